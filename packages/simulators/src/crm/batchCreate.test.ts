import { afterEach, describe, expect, it } from 'vitest';
import { crmCall, taskProperties } from '../../test/crmTestSupport.ts';
import { call, postJson } from '../../test/testSupport.ts';
import { type CrmSimulator, type CrmSimulatorOptions, startCrmSimulator } from './startCrmSimulator.ts';

interface ApiObject {
  id: string;
  properties: Record<string, string | null>;
  objectWriteTraceId?: string;
  associations?: Record<string, { results: { id: string; type: string }[] }>;
}
interface CreateBody {
  status: string;
  results: ApiObject[];
  numErrors?: number;
  errors?: { category: string; message: string; context: { objectWriteTraceId: string[] } }[];
}

const toCompany = (id: string) => [
  { to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 192 }] },
];

describe('the CRM simulator’s tasks batch/create', () => {
  let sim: CrmSimulator | undefined;
  const start = async (options: CrmSimulatorOptions = {}) => {
    sim = await startCrmSimulator({ seed: 41, indexingLagMs: 0, ...options });
    return sim;
  };
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const create = (s: CrmSimulator, inputs: unknown[]) =>
    crmCall(s, '/crm/v3/objects/tasks/batch/create', 'POST', { inputs });
  const company = async (s: CrmSimulator, domain: string) => {
    const made = await crmCall(s, '/crm/v3/objects/companies', 'POST', {
      properties: { tollgate_domain: domain, name: domain },
    });
    return (made.body as ApiObject).id;
  };

  it('makes every task with its associations, 201, visible from both ends of the association', async () => {
    const s = await start({ batchCreateOrder: 'input' });
    const acme = await company(s, 'acme.com');
    const answer = await create(s, [
      { properties: taskProperties('k1'), associations: toCompany(acme), objectWriteTraceId: 'a' },
      { properties: taskProperties('k2'), associations: [], objectWriteTraceId: 'b' },
    ]);
    expect(answer.status).toBe(201);
    const body = answer.body as CreateBody;
    expect(body.status).toBe('COMPLETE');
    expect(body.results.map((r) => [r.properties.tollgate_key, r.objectWriteTraceId])).toEqual([
      ['k1', 'a'],
      ['k2', 'b'],
    ]);
    expect(s.stats().records.tasks).toBe(2);
    const [first, second] = body.results as [ApiObject, ApiObject];
    const task = await crmCall(s, `/crm/v3/objects/tasks/${first.id}?associations=companies`);
    expect((task.body as ApiObject).associations).toEqual({
      companies: { results: [{ id: acme, type: 'task_to_company' }] },
    });
    const bare = await crmCall(s, `/crm/v3/objects/tasks/${second.id}?associations=companies`);
    expect((bare.body as ApiObject).associations).toBeUndefined();
    const fromCompany = await crmCall(s, `/crm/v3/objects/companies/${acme}?associations=tasks`);
    expect((fromCompany.body as ApiObject).associations).toEqual({
      tasks: { results: [{ id: first.id, type: 'company_to_task' }] },
    });
    // A single create stores its associations the same way.
    const single = await crmCall(s, '/crm/v3/objects/tasks', 'POST', {
      properties: taskProperties('k3'),
      associations: toCompany(acme),
    });
    const read = await crmCall(
      s,
      `/crm/v3/objects/tasks/${(single.body as ApiObject).id}?associations=companies`,
    );
    expect((read.body as ApiObject).associations?.companies?.results).toEqual([
      { id: acme, type: 'task_to_company' },
    ]);
  });

  it('answers results in no promised order: shuffled by default, reversed or in input order when asked', async () => {
    const inputs = Array.from({ length: 12 }, (_, i) => ({
      properties: taskProperties(`order-${i}`),
      objectWriteTraceId: String(i),
    }));
    const keys = inputs.map((input) => input.properties.tollgate_key);
    const order = async (options: CrmSimulatorOptions) => {
      const s = await start(options);
      const body = (await create(s, inputs)).body as CreateBody;
      await s.close();
      sim = undefined;
      return body.results.map((r) => r.properties.tollgate_key);
    };
    const shuffled = await order({});
    expect(shuffled).not.toEqual(keys);
    expect([...shuffled].sort()).toEqual([...keys].sort());
    expect(await order({ batchCreateOrder: 'reversed' })).toEqual([...keys].reverse());
    expect(await order({ batchCreateOrder: 'input' })).toEqual(keys);
  });

  it('answers 207 when every input has an objectWriteTraceId, making the valid ones and naming each failure', async () => {
    const s = await start({ uniqueProperties: { tasks: ['tollgate_key'] } });
    await create(s, [{ properties: taskProperties('taken'), objectWriteTraceId: 't' }]);
    const answer = await create(s, [
      { properties: taskProperties('ok-1'), objectWriteTraceId: 'one' },
      { properties: { hs_task_subject: 'no due date' }, objectWriteTraceId: 'two' },
      { properties: taskProperties('ok-3'), associations: toCompany('2999999'), objectWriteTraceId: 'three' },
      { properties: taskProperties('taken'), objectWriteTraceId: 'four' },
      { properties: taskProperties('ok-5'), objectWriteTraceId: 'five' },
    ]);
    expect(answer.status).toBe(207);
    const body = answer.body as CreateBody;
    expect(body.results.map((r) => r.objectWriteTraceId).sort()).toEqual(['five', 'one']);
    expect(body.numErrors).toBe(3);
    expect(body.errors?.map((e) => `${e.context.objectWriteTraceId.join(',')} ${e.category}`).sort()).toEqual(
      ['four CONFLICT', 'three VALIDATION_ERROR', 'two VALIDATION_ERROR'],
    );
    expect(body.errors?.find((e) => e.category === 'CONFLICT')?.message).toContain('Existing ID:');
    expect(s.stats().records.tasks).toBe(3);
  });

  it('fails the whole batch on one bad input when the inputs carry no objectWriteTraceId, making nothing', async () => {
    const s = await start();
    const answer = await create(s, [
      { properties: taskProperties('whole-1') },
      { properties: { hs_task_subject: 'no due date' } },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ category: 'VALIDATION_ERROR', errors: [{ in: 'hs_timestamp' }] });
    // A repeated trace id does not enable multi-status either.
    const repeated = await create(s, [
      { properties: taskProperties('whole-2'), objectWriteTraceId: 'x' },
      { properties: { hs_task_subject: 'no due date' }, objectWriteTraceId: 'x' },
    ]);
    expect(repeated.status).toBe(400);
    expect(s.stats().records.tasks).toBe(0);
  });

  it('refuses more than 100 inputs whole, and counts a batch as one request against the limits', async () => {
    const s = await start({
      rateLimit: { max: 3, intervalMs: 60_000 },
      dailyLimit: { max: 100, periodMs: 60_000 },
    });
    const inputs = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({
        properties: taskProperties(`${prefix}-${i}`),
        objectWriteTraceId: String(i),
      }));
    const tooMany = await create(s, inputs(101, 'many'));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    expect(s.stats().records.tasks).toBe(0);
    const hundred = await create(s, inputs(100, 'cap'));
    expect(hundred.status).toBe(201);
    expect(s.stats().records.tasks).toBe(100);
    expect(s.stats().limits).toMatchObject({ daily: { used: 2 }, tenSecondlyRemaining: 1 });
    // The batch read of those 100 tasks by id is one request too.
    const ids = (hundred.body as CreateBody).results.map((r) => ({ id: r.id }));
    const read = await crmCall(s, '/crm/v3/objects/tasks/batch/read', 'POST', {
      inputs: ids,
      properties: ['tollgate_key'],
    });
    expect(read.status).toBe(200);
    expect((read.body as CreateBody).results).toHaveLength(100);
    expect((await create(s, inputs(1, 'over'))).status).toBe(429);
  });

  it('finds tasks by tollgate_key IN, and counts a repeated key as a duplicate', async () => {
    const s = await start();
    await create(s, [
      { properties: taskProperties('in-1'), objectWriteTraceId: '0' },
      { properties: taskProperties('in-2'), objectWriteTraceId: '1' },
      { properties: taskProperties('in-1'), objectWriteTraceId: '2' },
    ]);
    const found = await crmCall(s, '/crm/v3/objects/tasks/search', 'POST', {
      filterGroups: [
        { filters: [{ propertyName: 'tollgate_key', operator: 'IN', values: ['in-1', 'in-9'] }] },
      ],
      properties: ['tollgate_key'],
    });
    expect((found.body as CreateBody).results.map((r) => r.properties.tollgate_key)).toEqual([
      'in-1',
      'in-1',
    ]);
    expect(s.stats().duplicates.tasks.tollgate_key).toBe(1);
  });

  it('makes the tasks of a batch whose answer is lost, and locks batch creates but not batch reads', async () => {
    const s = await start({ faults: { lostResponse: 1 } });
    const lost = await fetch(new URL('/crm/v3/objects/tasks/batch/create', s.url), {
      ...postJson(
        { inputs: [{ properties: taskProperties('lost-1') }, { properties: taskProperties('lost-2') }] },
        { authorization: `Bearer ${s.token}` },
      ),
      signal: AbortSignal.timeout(300),
    }).catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(Error);
    expect(s.stats()).toMatchObject({ lostResponses: 1, requests: 1, records: { tasks: 2 } });

    s.setFaults({ errors: { lock: 1 } });
    const locked = await create(s, [{ properties: taskProperties('locked-1') }]);
    expect(locked.status).toBe(423);
    const read = await call(s.url, '/crm/v3/objects/tasks/batch/read', {
      ...postJson({ inputs: [{ id: '3000001' }] }, { authorization: `Bearer ${s.token}` }),
    });
    expect(read.status).toBe(200);
    expect(s.stats().records.tasks).toBe(2);
  });
});
