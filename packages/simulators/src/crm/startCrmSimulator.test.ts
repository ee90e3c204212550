import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmCall, taskProperties } from '../../test/crmTestSupport.ts';
import { call } from '../../test/testSupport.ts';
import { type CrmSimulator, startCrmSimulator } from './startCrmSimulator.ts';

interface ApiObject {
  id: string;
  properties: Record<string, string | null>;
  new?: boolean;
}
interface BatchBody {
  status: string;
  results: ApiObject[];
  numErrors?: number;
  errors?: { category: string; context: { ids: string[] }; errors: { in: string }[] }[];
}

describe('the CRM simulator', () => {
  let sim: CrmSimulator;
  beforeAll(async () => {
    sim = await startCrmSimulator({ seed: 31, indexingLagMs: 0 });
  });
  afterAll(() => sim.close());

  const upsertContacts = (inputs: unknown[]) =>
    crmCall(sim, '/crm/v3/objects/contacts/batch/upsert', 'POST', { inputs });

  it('rejects a missing or unknown token with INVALID_AUTHENTICATION and an expired one with EXPIRED_AUTHENTICATION', async () => {
    const missing = await call(sim.url, '/crm/v3/objects/contacts/1');
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(missing.body).toHaveProperty('correlationId');
    const wrong = await call(sim.url, '/crm/v3/objects/contacts/1', {
      headers: { authorization: 'Bearer nope-nope-nope' },
    });
    expect(wrong.body).toMatchObject({ category: 'INVALID_AUTHENTICATION' });
    const expired = await call(sim.url, '/crm/v3/objects/contacts/1', {
      headers: { authorization: `Bearer ${sim.expiredToken}` },
    });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ category: 'EXPIRED_AUTHENTICATION' });
  });

  it('creates on the first batch upsert and updates the same record on the second', async () => {
    const input = { id: 'Ada@Example.com', idProperty: 'email', properties: { firstname: 'Ada' } };
    const first = await upsertContacts([input]);
    expect(first.status).toBe(200);
    const created = (first.body as BatchBody).results[0];
    expect(created).toMatchObject({ new: true, properties: { email: 'ada@example.com', firstname: 'Ada' } });
    const second = await upsertContacts([
      { ...input, id: 'ada@example.com', properties: { lastname: 'Lovelace' } },
    ]);
    expect(second.status).toBe(200);
    const updated = (second.body as BatchBody).results[0];
    expect(updated).toMatchObject({
      id: created?.id,
      new: false,
      properties: { firstname: 'Ada', lastname: 'Lovelace' },
    });
    expect(sim.stats().duplicates.contacts.email).toBe(0);
  });

  it('answers 207 Multi-Status when one input of a batch is invalid, saving the others', async () => {
    const answer = await upsertContacts([
      { id: 'grace@example.com', idProperty: 'email', properties: {} },
      { id: 'not-an-email', idProperty: 'email', properties: {} },
    ]);
    expect(answer.status).toBe(207);
    const body = answer.body as BatchBody;
    expect(body.results.map((r) => r.properties.email)).toEqual(['grace@example.com']);
    expect(body.numErrors).toBe(1);
    expect(body.errors?.[0]).toMatchObject({
      category: 'VALIDATION_ERROR',
      context: { ids: ['not-an-email'] },
    });
    expect(body.errors?.[0]?.errors[0]?.in).toBe('email');
  });

  it('refuses a batch keyed by a property without unique values, such as a company domain', async () => {
    const answer = await crmCall(sim, '/crm/v3/objects/companies/batch/upsert', 'POST', {
      inputs: [{ id: 'acme.com', idProperty: 'domain', properties: { name: 'Acme' } }],
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    const keyed = await crmCall(sim, '/crm/v3/objects/companies/batch/upsert', 'POST', {
      inputs: [
        { id: 'acme.com', idProperty: 'tollgate_domain', properties: { name: 'Acme', domain: 'acme.com' } },
      ],
    });
    expect(keyed.status).toBe(200);
  });

  it('reads a batch by a unique property: 207 with the ids it has no record for in one OBJECT_NOT_FOUND', async () => {
    await crmCall(sim, '/crm/v3/objects/companies/batch/upsert', 'POST', {
      inputs: [
        { id: 'read-a.com', idProperty: 'tollgate_domain', properties: { name: 'A' } },
        { id: 'read-b.com', idProperty: 'tollgate_domain', properties: { name: 'B' } },
      ],
    });
    const read = (body: unknown) => crmCall(sim, '/crm/v3/objects/companies/batch/read', 'POST', body);
    const some = await read({
      idProperty: 'tollgate_domain',
      inputs: [{ id: 'read-b.com' }, { id: 'nobody.example' }, { id: 'read-a.com' }, { id: 'gone.example' }],
      properties: ['name', 'tollgate_domain'],
    });
    expect(some.status).toBe(207);
    const body = some.body as BatchBody;
    expect(body.results.map((object) => object.properties.name).sort()).toEqual(['A', 'B']);
    expect(Object.keys(body.results[0]?.properties ?? {}).sort()).toEqual(['name', 'tollgate_domain']);
    expect(body.errors).toEqual([
      expect.objectContaining({
        category: 'OBJECT_NOT_FOUND',
        context: { ids: ['nobody.example', 'gone.example'] },
      }),
    ]);
    const all = await read({ idProperty: 'tollgate_domain', inputs: [{ id: 'read-a.com' }] });
    expect(all.status).toBe(200);
    // By record id when no idProperty is named; and a non-unique property is refused whole.
    const byId = await read({ inputs: [{ id: body.results[0]?.id }] });
    expect((byId.body as BatchBody).results).toHaveLength(1);
    expect((await read({ idProperty: 'name', inputs: [{ id: 'A' }] })).status).toBe(400);
    const tooMany = await read({ inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(i) })) });
    expect(tooMany.status).toBe(400);
  });

  it('refuses more than 100 inputs, and the same id twice in one batch', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ id: `p${i}@example.com`, idProperty: 'email' }));
    expect((await upsertContacts(many)).status).toBe(400);
    const twice = await upsertContacts([
      { id: 'twin@example.com', idProperty: 'email' },
      { id: 'TWIN@example.com', idProperty: 'email' },
    ]);
    expect(twice.status).toBe(400);
    expect(twice.body).toMatchObject({ message: expect.stringContaining('Duplicate IDs') });
  });

  it('answers 409 CONFLICT naming the existing id when a create repeats a unique value', async () => {
    const first = await crmCall(sim, '/crm/v3/objects/contacts', 'POST', {
      properties: { email: 'lin@example.com' },
    });
    expect(first.status).toBe(201);
    const id = (first.body as ApiObject).id;
    const again = await crmCall(sim, '/crm/v3/objects/contacts', 'POST', {
      properties: { email: 'LIN@example.com' },
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      status: 'error',
      category: 'CONFLICT',
      message: `Contact already exists. Existing ID: ${id}`,
    });
  });

  it('reads a record by id or by unique property, and answers 404 when there is none', async () => {
    const created = await crmCall(sim, '/crm/v3/objects/contacts', 'POST', {
      properties: { email: 'read@example.com', firstname: 'Rea', jobtitle: 'CTO' },
    });
    const id = (created.body as ApiObject).id;
    const byId = await crmCall(sim, `/crm/v3/objects/contacts/${id}`);
    expect(byId.body).toMatchObject({
      id,
      properties: { email: 'read@example.com', firstname: 'Rea', lastname: null },
    });
    expect((byId.body as ApiObject).properties).not.toHaveProperty('jobtitle'); // not a default property
    const byEmail = await crmCall(
      sim,
      '/crm/v3/objects/contacts/read@example.com?idProperty=email&properties=jobtitle',
    );
    expect(byEmail.body).toMatchObject({ id, properties: { jobtitle: 'CTO' } });
    const missing = await crmCall(sim, '/crm/v3/objects/contacts/nobody@example.com?idProperty=email');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ category: 'OBJECT_NOT_FOUND' });
  });

  it('updates a record with PATCH and refuses to move it onto another record’s unique value', async () => {
    const a = await crmCall(sim, '/crm/v3/objects/contacts', 'POST', {
      properties: { email: 'a1@example.com' },
    });
    await crmCall(sim, '/crm/v3/objects/contacts', 'POST', { properties: { email: 'b1@example.com' } });
    const id = (a.body as ApiObject).id;
    const ok = await crmCall(sim, `/crm/v3/objects/contacts/${id}`, 'PATCH', {
      properties: { firstname: 'A' },
    });
    expect(ok.body).toMatchObject({ properties: { firstname: 'A', email: 'a1@example.com' } });
    const clash = await crmCall(sim, `/crm/v3/objects/contacts/${id}`, 'PATCH', {
      properties: { email: 'b1@example.com' },
    });
    expect(clash.status).toBe(409);
  });

  it('creates a second task for a retried create, because tasks have no unique property', async () => {
    const before = sim.stats().duplicates.tasks.tollgate_key ?? 0;
    const body = { properties: taskProperties('run-1:acct-9:route') };
    const first = await crmCall(sim, '/crm/v3/objects/tasks', 'POST', body);
    const retry = await crmCall(sim, '/crm/v3/objects/tasks', 'POST', body);
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect((first.body as ApiObject).id).not.toBe((retry.body as ApiObject).id);
    expect(sim.stats().duplicates.tasks.tollgate_key).toBe(before + 1);
  });

  it('requires hs_timestamp on a task create, as HubSpot does', async () => {
    const answer = await crmCall(sim, '/crm/v3/objects/tasks', 'POST', {
      properties: { hs_task_subject: 'x' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ category: 'VALIDATION_ERROR', errors: [{ in: 'hs_timestamp' }] });
  });

  it('answers malformed JSON and unknown object types with 400', async () => {
    const bad = await call(sim.url, '/crm/v3/objects/contacts', {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.token}` },
      body: '{"properties":',
    });
    expect(bad.status).toBe(400);
    const unknownType = await crmCall(sim, '/crm/v3/objects/widgets', 'POST', { properties: {} });
    expect(unknownType.status).toBe(400);
  });
});
