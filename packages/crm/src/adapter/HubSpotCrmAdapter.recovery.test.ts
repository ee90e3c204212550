import { isToolError } from '@tollgate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  failRequest,
  type HubSpotHarness,
  hubSpotHarnesses,
  loseAnswerTo,
} from '../../test/hubspotTestHarness.ts';

const task = (key: string) => ({
  domain: 'acme.com',
  kind: 'manual_research',
  note: 'No firmographics',
  idempotency_key: key,
});

// Writes that fail halfway, retried: the upstream must end with one record each time.
describe('the HubSpot adapter under retries', () => {
  const harnesses = hubSpotHarnesses();
  let h: HubSpotHarness | undefined;
  const start = async (...args: Parameters<typeof harnesses.start>) => {
    h = await harnesses.start(...args);
    return h;
  };
  beforeAll(harnesses.open);
  afterAll(harnesses.drop);
  afterEach(async () => {
    h?.expectNoToken();
    await h?.close();
    h = undefined;
  });

  // create_task searches for an open task (request 0), reads the account's company to associate the
  // task with (1), then creates (2): the answer lost is the create's.
  it('creates one task upstream when create_task’s answer is lost and the call is retried with its key', async () => {
    const { sim, client, call, callError, logs } = await start(loseAnswerTo(2), { timeoutMs: 250 });
    const lost = await callError('create_task', task('lost:1'));
    expect(lost).toMatchObject({ code: 'timeout', retryable: true });
    expect(sim.stats()).toMatchObject({ lostResponses: 1, records: { tasks: 1 } });

    sim.setFaults({});
    const retried = await client.callTool({ name: 'create_task', arguments: task('lost:1') });
    expect(retried.isError).toBeFalsy();
    const again = await client.callTool({ name: 'create_task', arguments: task('lost:1') });
    expect(again.structuredContent).toEqual(retried.structuredContent);
    expect(again._meta).toMatchObject({ 'tollgate/replayed': true });

    // The retry found the first attempt's task by its key instead of making a second one.
    expect(sim.stats()).toMatchObject({ records: { tasks: 1 }, duplicates: { tasks: { tollgate_key: 0 } } });
    const { tasks } = (await call('list_tasks', {})) as { tasks: { id: string; note: string }[] };
    expect(tasks).toEqual([expect.objectContaining({ note: 'No firmographics' })]);
    expect(retried.structuredContent).toMatchObject({ task: { id: tasks[0]?.id } });
    expect(logs.calls().map((record) => record.outcome)).toEqual(['timeout', 'ok', 'ok', 'ok']);
  });

  it('recovers a task the search index has not caught up with, by searching again for a while', async () => {
    const { sim, call, callError } = await start(
      { ...loseAnswerTo(2), indexingLagMs: 600 },
      { timeoutMs: 150, recoveryWindowMs: 3000 },
    );
    await callError('create_task', task('lag:1'));
    sim.setFaults({});
    const before = sim.stats().requests;
    const { task: recovered } = (await call('create_task', task('lag:1'))) as { task: { id: string } };
    // More than one search: the first ran before the lost task was indexed.
    expect(sim.stats().requests - before).toBeGreaterThan(1);
    expect(sim.stats()).toMatchObject({ records: { tasks: 1 }, duplicates: { tasks: { tollgate_key: 0 } } });
    expect(recovered.id).toMatch(/^\d+$/);
  });

  it('makes the task once when a retry follows an ordinary retryable failure', async () => {
    const { sim, call, callError } = await start(
      { faults: { errors: { lock: 1 } } },
      { recoveryWindowMs: 0 },
    );
    expect(await callError('create_task', task('locked:1'))).toMatchObject({ code: 'locked' });
    sim.setFaults({});
    await call('create_task', task('locked:1'));
    expect(sim.stats()).toMatchObject({ records: { tasks: 1 }, duplicates: { tasks: { tollgate_key: 0 } } });
  });

  const tasks = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ ...task(`${prefix}:${i}`), domain: `acct${i}.example` }));
  const requestsSince = (sim: HubSpotHarness['sim'], before: number) => sim.stats().requests - before;

  it('recovers every task of a create_tasks whose answer was lost with one search for all their keys', async () => {
    // create_tasks searches (request 0), reads the companies (1) and creates them all (2): lost.
    const { sim, call, callError } = await start(loseAnswerTo(2), { timeoutMs: 250 });
    const items = tasks('lostbatch', 6);
    expect(await callError('create_tasks', { items })).toMatchObject({ code: 'timeout', retryable: true });
    expect(sim.stats()).toMatchObject({ lostResponses: 1, records: { tasks: 6 } });

    sim.setFaults({});
    const before = sim.stats().requests;
    const retried = (await call('create_tasks', { items })) as {
      results: { ok: boolean; value?: { task: { id: string; domain: string }; existing: boolean } }[];
    };
    // One `tollgate_key IN` search found all six; nothing was made again.
    expect(requestsSince(sim, before)).toBe(1);
    expect(
      retried.results.map((result) => [result.ok, result.value?.task.domain, result.value?.existing]),
    ).toEqual(items.map((item) => [true, item.domain, false]));
    expect(sim.stats()).toMatchObject({ records: { tasks: 6 }, duplicates: { tasks: { tollgate_key: 0 } } });
  });

  it('waits out the recovery window once for all of a batch’s keys when nothing was made', async () => {
    const { sim, call, callError } = await start(
      { faults: { errors: { lock: 1 } } },
      { recoveryWindowMs: 800 },
    );
    const items = tasks('lockedbatch', 6);
    expect(await callError('create_tasks', { items })).toMatchObject({ code: 'locked' });
    sim.setFaults({});
    const before = sim.stats().requests;
    const startedAt = Date.now();
    const retried = (await call('create_tasks', { items })) as { results: { ok: boolean }[] };
    const elapsed = Date.now() - startedAt;
    expect(retried.results.every((result) => result.ok)).toBe(true);
    // About three searches over the window for all six keys (not three per key), then one search,
    // one companies batch/read and one batch/create to make them.
    expect(requestsSince(sim, before)).toBeLessThanOrEqual(7);
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(2_500);
    expect(sim.stats()).toMatchObject({ records: { tasks: 6 }, duplicates: { tasks: { tollgate_key: 0 } } });
  });

  it('searches again when one poll of a recovery fails, instead of failing the recovery', async () => {
    // The create makes requests 0–2 (search, company read, batch/create); the recovery's first
    // search (request 3) answers 500, and the next finds the task.
    const { sim, adapter } = await start(
      { indexingLagMs: 0, ...failRequest(3) },
      { recoveryWindowMs: 2_000 },
    );
    const [made] = await adapter.createTasks([{ ...task('poll:1'), kind: 'manual_research' }], undefined);
    expect(sim.stats().requests).toBe(3);
    const [found] = await adapter.findTasksByKeys(['poll:1']);
    sim.setFaults({});
    expect(found?.id).toBe((made as { task: { id: string } }).task.id);
    expect(sim.stats()).toMatchObject({ requests: 5, injected: { server_error: 1 } });
  });

  it('fails a recovery whose last poll of the window failed: "never made" needs an answer', async () => {
    const { sim, adapter } = await start({ indexingLagMs: 0 }, { recoveryWindowMs: 300 });
    sim.setFaults({ errors: { server_error: 1 } });
    await expect(adapter.findTasksByKeys(['never:1'])).rejects.toMatchObject({
      code: 'upstream_unavailable',
      retryable: true,
    });
  });

  it('finds the tasks of many keys once search has indexed them, in the keys’ order, and none for a key never used', async () => {
    const { sim, adapter } = await start({ indexingLagMs: 500 }, { recoveryWindowMs: 2_000 });
    const made = await adapter.createTasks(
      [
        { ...task('idx:1'), domain: 'one.example' },
        { ...task('idx:2'), domain: 'two.example' },
      ].map((input) => ({
        ...input,
        kind: 'manual_research' as const,
      })),
      undefined,
    );
    const found = await adapter.findTasksByKeys(['idx:2', 'never', 'idx:1']);
    expect(found.map((found) => found?.id)).toEqual([
      (made[1] as { task: { id: string } }).task.id,
      undefined,
      (made[0] as { task: { id: string } }).task.id,
    ]);
    expect(sim.stats().records.tasks).toBe(2);
  });

  it('fails only the refused input of a 207 batch, naming the field, and a corrected retry writes it once', async () => {
    const { sim, adapter } = await start();
    const error = await adapter
      .upsertLead({ email: 'ada@@acme', domain: 'acme.com' })
      .catch((e: unknown) => e);
    expect(isToolError(error, 'invalid_input')).toBe(true);
    expect(error).toMatchObject({ details: { upstream_status: 207, issues: [{ path: 'email' }] } });
    expect(sim.stats().records.contacts).toBe(0);

    const first = await adapter.upsertLead({ email: 'ada@acme.com', domain: 'acme.com', title: 'CTO' });
    const second = await adapter.upsertLead({ email: 'ada@acme.com', domain: 'acme.com', score: 70 });
    expect([first.created, second.created]).toEqual([true, false]);
    expect(second.lead).toMatchObject({ title: 'CTO', score: 70 });
    expect(sim.stats()).toMatchObject({ records: { contacts: 1 }, duplicates: { contacts: { email: 0 } } });
  });

  it('answers conflict when a hand-made company holds the domain, and updates it once linked', async () => {
    // A portal where companies are unique by domain too, with a company someone created by hand.
    const { sim, call, callError } = await start({
      uniqueProperties: { companies: ['tollgate_domain', 'domain'] },
    });
    const headers = { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' };
    const made = await fetch(new URL('/crm/v3/objects/companies', sim.url), {
      method: 'POST',
      headers,
      body: JSON.stringify({ properties: { domain: 'acme.com', name: 'Acme (by hand)' } }),
    });
    const { id } = (await made.json()) as { id: string };

    const conflict = await callError('upsert_account', { domain: 'acme.com', score: 60 });
    expect(conflict).toMatchObject({ code: 'conflict', retryable: false, details: { upstream_status: 207 } });
    expect(conflict.message).toContain(`Existing ID: ${id}`);
    expect(sim.stats().records.companies).toBe(1);

    await fetch(new URL(`/crm/v3/objects/companies/${id}`, sim.url), {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ properties: { tollgate_domain: 'acme.com' } }),
    });
    const linked = await call('upsert_account', { domain: 'acme.com', score: 60 });
    expect(linked).toMatchObject({ created: false, account: { name: 'Acme (by hand)', score: 60 } });
    expect(sim.stats()).toMatchObject({
      records: { companies: 1 },
      duplicates: { companies: { domain: 0 } },
    });
  });
});
