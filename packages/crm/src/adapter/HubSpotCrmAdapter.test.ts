import { isToolError } from '@tollgate/core';
import { DEFAULT_EXPIRED_CRM_TOKEN, startCrmSimulator } from '@tollgate/simulators';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completeHubSpotTask, hubSpotAdapter, SHARED_SIMULATOR } from '../../test/crmTestVariants.ts';
import { type HubSpotHarness, hubSpotHarnesses } from '../../test/hubspotTestHarness.ts';

// HubSpot's failure signals, each met through the whole gate, as the caller sees them.
describe('the HubSpot adapter maps HubSpot’s failures to the error contract', () => {
  const harnesses = hubSpotHarnesses();
  let h: HubSpotHarness | undefined;
  const start = async (...args: Parameters<typeof harnesses.start>) => {
    h = await harnesses.start(...args);
    return h;
  };
  beforeAll(harnesses.open);
  afterAll(harnesses.drop);
  afterEach(async () => {
    // Whatever failed, neither the results nor the call records may carry a token.
    h?.expectNoToken();
    await h?.close();
    h = undefined;
  });

  it('answers the rolling 10-second limit with rate_limited, waiting ten slots of the window at most the interval', async () => {
    const { call, callError } = await start({ rateLimit: { max: 2, intervalMs: 4000 } });
    await call('get_account', { domain: 'acme.com' });
    await call('get_account', { domain: 'acme.com' });
    const error = await callError('get_account', { domain: 'acme.com' });
    expect(error).toMatchObject({ code: 'rate_limited', retryable: true, retry_after_ms: 4000 });
    expect(error.details).toMatchObject({ upstream_status: 429, policy: 'TEN_SECONDLY_ROLLING' });
  });

  it('waits a fraction of a wide rolling window, not the whole of it', async () => {
    const { call, callError } = await start({ rateLimit: { max: 40, intervalMs: 4000 } });
    for (let i = 0; i < 40; i++) await call('get_account', { domain: 'acme.com' });
    const error = await callError('get_account', { domain: 'acme.com' });
    expect(error).toMatchObject({ code: 'rate_limited', retry_after_ms: 1000 });
  });

  it('answers the search limit (SECONDLY) with rate_limited and a one-second wait', async () => {
    const { call, callError } = await start({ searchRateLimit: { max: 1, intervalMs: 60_000 } });
    await call('search_leads', {});
    const error = await callError('list_tasks', {});
    expect(error).toMatchObject({ code: 'rate_limited', retryable: true, retry_after_ms: 1000 });
    expect(error.details).toMatchObject({ policy: 'SECONDLY' });
  });

  it('answers the daily cap with quota_exhausted, terminal until it resets', async () => {
    const { call, callError } = await start({ dailyLimit: { max: 1, periodMs: 60_000 } });
    await call('get_account', { domain: 'acme.com' });
    const error = await callError('upsert_account', { domain: 'acme.com', name: 'Acme' });
    expect(error).toMatchObject({ code: 'quota_exhausted', retryable: false });
    expect(error.message).toContain('resets');
    expect(error.details).toMatchObject({ policy: 'DAILY' });
  });

  it('answers a locked record with locked, retryable after HubSpot’s two seconds', async () => {
    const { callError } = await start({ faults: { errors: { lock: 1 } } });
    const error = await callError('upsert_lead', { email: 'ada@acme.com', domain: 'acme.com' });
    expect(error).toMatchObject({ code: 'locked', retryable: true, retry_after_ms: 2000 });
  });

  it('answers 477 migration, an outage and gateway pages with upstream_unavailable, honouring Retry-After', async () => {
    const { sim, callError } = await start({ faults: { errors: { migration: 1 }, retryAfterSeconds: 3 } });
    const migration = await callError('get_account', { domain: 'acme.com' });
    expect(migration).toMatchObject({ code: 'upstream_unavailable', retryable: true, retry_after_ms: 3000 });
    expect(migration.details).toMatchObject({ upstream_status: 477 });

    sim.setFaults({ outages: [{ startMs: 0 }], retryAfterSeconds: 2 });
    const outage = await callError('create_task', {
      domain: 'acme.com',
      kind: 'follow_up',
      note: 'n',
      idempotency_key: 'outage-1',
    });
    expect(outage).toMatchObject({ code: 'upstream_unavailable', retryable: true, retry_after_ms: 2000 });

    sim.setFaults({ errors: { server_error: 1 } });
    const statuses = new Set<unknown>();
    for (let i = 0; i < 8; i++) {
      const error = await callError('search_leads', {});
      expect(error).toMatchObject({ code: 'upstream_unavailable', retryable: true });
      statuses.add(error.details.upstream_status);
    }
    expect([...statuses].every((status) => [502, 503, 504].includes(status as number))).toBe(true);
    expect(statuses.size).toBeGreaterThan(1);
  });

  it('refuses answers in a changed shape as upstream_contract_violation, logged at error level', async () => {
    const { sim, call, callError, logs } = await start();
    await call('upsert_account', { domain: 'acme.com', name: 'Acme' });
    sim.setFaults({ shapeChange: 1 });
    for (const [tool, args] of [
      ['get_account', { domain: 'acme.com' }],
      ['upsert_account', { domain: 'acme.com', score: 50 }],
    ] as const) {
      const error = await callError(tool, args);
      expect(error).toMatchObject({ code: 'upstream_contract_violation', retryable: false });
    }
    sim.setFaults({});
    await call('upsert_lead', { email: 'ada@acme.com', domain: 'acme.com' });
    sim.setFaults({ shapeChange: 1 });
    const search = await callError('search_leads', {});
    expect(search.message).toContain('results.0.id');
    const violations = logs.calls().filter((record) => record.outcome === 'upstream_contract_violation');
    expect(violations).toHaveLength(3);
    expect(violations.every((record) => record.level === 'error')).toBe(true);
  });

  it('reports an expired or unknown token as a terminal credential failure that never shows the token', async () => {
    const sim = await startCrmSimulator({ indexingLagMs: 0 });
    try {
      for (const [token, category] of [
        [sim.expiredToken ?? '', 'EXPIRED_AUTHENTICATION'],
        ['not-the-token-of-this-portal', 'INVALID_AUTHENTICATION'],
      ] as const) {
        const error = await hubSpotAdapter(sim, { token })
          .getAccount('acme.com')
          .catch((e: unknown) => e);
        expect(isToolError(error, 'internal')).toBe(true);
        const text = JSON.stringify({
          ...(error as object),
          message: String(error),
          stack: (error as Error).stack,
        });
        expect(text).toContain(category);
        expect(text).not.toContain(token);
      }
    } finally {
      await sim.close();
    }
    // Through the gate, with the expired token: a terminal error naming the category, and owners
    // (configured, not fetched) still listed.
    const { call, callError } = await start({}, { token: DEFAULT_EXPIRED_CRM_TOKEN });
    await call('list_owners', {});
    const refused = await callError('get_account', { domain: 'acme.com' });
    expect(refused).toMatchObject({ code: 'internal', retryable: false, details: { upstream_status: 401 } });
    expect(refused.message).toContain('EXPIRED_AUTHENTICATION');
  });

  it('answers a request HubSpot never answers with timeout, and an unreachable HubSpot with upstream_unavailable', async () => {
    const { sim, callError } = await start({ faults: { hang: 1 } }, { timeoutMs: 150 });
    const timeout = await callError('get_account', { domain: 'acme.com' });
    expect(timeout).toMatchObject({ code: 'timeout', retryable: true, details: { timeout_ms: 150 } });

    const gone = await startCrmSimulator();
    await gone.close();
    const error = await hubSpotAdapter(gone)
      .getAccount('acme.com')
      .catch((e: unknown) => e);
    expect(isToolError(error, 'upstream_unavailable')).toBe(true);
    expect(String(error)).toContain('ECONNREFUSED');
    expect(sim.stats().hangs).toBe(1);
  });

  it('answers 409 CONFLICT with conflict, quoting the existing record', async () => {
    // A portal that made tollgate_key unique on tasks answers a second create with 409.
    const { adapter } = await start({ uniqueProperties: { tasks: ['tollgate_key'] } });
    const input = { idempotency_key: 'dup-1', domain: 'acme.com', kind: 'follow_up', note: 'n' } as const;
    const first = await adapter.createTask(input, undefined);
    // Another kind, so the one-open-task rule lets the create reach HubSpot with the same key.
    const error = await adapter
      .createTask({ ...input, kind: 'data_review' }, undefined)
      .catch((e: unknown) => e);
    expect(isToolError(error, 'conflict')).toBe(true);
    expect(String(error)).toContain(`Existing ID: ${first.task.id}`);
  });

  it('answers a 400 VALIDATION_ERROR with invalid_input carrying HubSpot’s reason', async () => {
    // A portal without the unique tollgate_domain property refuses the upsert key.
    const { callError } = await start({ uniqueProperties: { companies: [] } });
    const error = await callError('upsert_account', { domain: 'acme.com' });
    expect(error).toMatchObject({
      code: 'invalid_input',
      retryable: false,
      details: { upstream_status: 400 },
    });
    expect(error.message).toContain('tollgate_domain is not a unique identifier property');
    expect(error.hint).toContain('operator');
  });
});

describe('the HubSpot adapter’s batch methods', () => {
  it('reads and upserts 150 accounts in two requests each, every answer matched to its input', async () => {
    const sim = await startCrmSimulator({ seed: 5, indexingLagMs: 0 });
    const requests: string[] = [];
    const adapter = hubSpotAdapter(sim, {
      fetch: (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      },
    });
    try {
      const domains = Array.from({ length: 150 }, (_, i) => `batch${i}.example`);
      const written = await adapter.upsertAccounts(
        domains.map((domain, i) => ({ domain, name: `Company ${i}`, employee_count: i })),
      );
      expect(written.every((item) => !isToolError(item) && item.created)).toBe(true);
      expect(written.map((item) => (isToolError(item) ? null : item.account.name))).toEqual(
        domains.map((_, i) => `Company ${i}`),
      );
      const upserts = requests.filter((request) => request.endsWith('/companies/batch/upsert'));
      expect(upserts).toHaveLength(2);
      requests.length = 0;
      const read = await adapter.getAccounts([
        ...domains.slice(0, 140),
        'nobody.example',
        ...domains.slice(140),
      ]);
      expect(requests).toEqual([
        'POST /crm/v3/objects/companies/batch/read',
        'POST /crm/v3/objects/companies/batch/read',
      ]);
      expect(read[140]).toBeNull();
      expect(read[0]).toMatchObject({ domain: 'batch0.example', employee_count: 0 });
      expect(read[150]).toMatchObject({ domain: 'batch149.example', employee_count: 149 });
    } finally {
      await sim.close();
    }
  });

  it('answers an input HubSpot refused in its 207 alone, and a repeated email in a later request', async () => {
    const sim = await startCrmSimulator({ seed: 5, indexingLagMs: 0 });
    const adapter = hubSpotAdapter(sim);
    try {
      const written = await adapter.upsertLeads([
        { email: 'ada@acme.com', domain: 'acme.com', first_name: 'Ada' },
        { email: 'bad@@acme.com', domain: 'acme.com' },
        { email: 'ada@acme.com', domain: 'acme.com', title: 'CTO' },
      ]);
      expect(isToolError(written[0]) ? written[0].code : 'ok').toBe('ok');
      expect(isToolError(written[1]) ? written[1].code : 'ok').toBe('invalid_input');
      expect(isToolError(written[2]) ? 'error' : written[2]?.lead).toMatchObject({
        first_name: 'Ada',
        title: 'CTO',
      });
      expect(isToolError(written[2]) ? true : written[2]?.created).toBe(false);
    } finally {
      await sim.close();
    }
  });

  /** A simulator with its requests to it recorded, as `METHOD /path`. */
  async function recorded(options: Parameters<typeof startCrmSimulator>[0] = {}) {
    const sim = await startCrmSimulator({ ...SHARED_SIMULATOR, batchCreateOrder: 'reversed', ...options });
    const requests: string[] = [];
    const adapter = hubSpotAdapter(sim, {
      fetch: (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      },
    });
    return { sim, adapter, requests };
  }
  const SEARCH = 'POST /crm/v3/objects/tasks/search';
  const COMPANIES = 'POST /crm/v3/objects/companies/batch/read';
  const CREATE = 'POST /crm/v3/objects/tasks/batch/create';
  const READ = 'POST /crm/v3/objects/tasks/batch/read';
  const task = (domain: string, kind: 'manual_research' | 'follow_up', key: string) => ({
    domain,
    kind,
    note: `About ${domain}`,
    idempotency_key: key,
  });

  it('creates N tasks in three requests, whatever N: one search, one companies batch/read, one batch/create', async () => {
    const { sim, adapter, requests } = await recorded();
    try {
      const domains = Array.from({ length: 50 }, (_, i) => `task${i}.example`);
      // Half the accounts have a company in HubSpot.
      await adapter.upsertAccounts(domains.filter((_, i) => i % 2 === 0).map((domain) => ({ domain })));
      requests.length = 0;
      const inputs = domains.flatMap((domain, i) => [
        task(domain, i % 3 === 0 ? 'follow_up' : 'manual_research', `k${i}`),
      ]);
      const made = await adapter.createTasks(inputs, undefined);
      expect(requests).toEqual([SEARCH, COMPANIES, CREATE]);
      // Each answer is its own input's, although HubSpot answered them in another order.
      expect(made.map((item) => (isToolError(item) ? item.code : [item.task.domain, item.existing]))).toEqual(
        inputs.map((input) => [input.domain, false]),
      );
      expect(sim.stats()).toMatchObject({
        records: { tasks: 50 },
        duplicates: { tasks: { tollgate_key: 0 } },
      });
      // Each task is associated with its account's company (task to company, 192), where there is one.
      for (const [i, item] of made.entries()) {
        if (isToolError(item) || i % 10 > 1) continue;
        const read = await fetch(
          new URL(`/crm/v3/objects/tasks/${item.task.id}?associations=companies`, sim.url),
          {
            headers: { authorization: `Bearer ${sim.token}` },
          },
        );
        const { associations } = (await read.json()) as {
          associations?: { companies?: { results: unknown[] } };
        };
        expect(associations?.companies?.results ?? []).toHaveLength(i % 2 === 0 ? 1 : 0);
      }

      // Again under new keys: every slot has its open task, so one search answers them all.
      requests.length = 0;
      const again = await adapter.createTasks(
        inputs.map((input) => ({ ...input, idempotency_key: `again-${input.idempotency_key}` })),
        undefined,
      );
      expect(requests).toEqual([SEARCH]);
      expect(again.map((item) => (isToolError(item) ? item.code : item.existing))).toEqual(
        inputs.map(() => true),
      );
      expect(sim.stats().records.tasks).toBe(50);
    } finally {
      await sim.close();
    }
  });

  it('reads the tasks it made lately in one batch/read while search has not indexed them', async () => {
    const { sim, adapter, requests } = await recorded({ indexingLagMs: 5_000 });
    try {
      const inputs = ['a', 'b', 'c', 'd'].map((d, i) => task(`${d}.example`, 'follow_up', `lag-${i}`));
      const first = await adapter.createTasks(inputs, undefined);
      requests.length = 0;
      const second = await adapter.createTasks(
        inputs.map((input) => ({ ...input, idempotency_key: `${input.idempotency_key}-again` })),
        undefined,
      );
      expect(requests).toEqual([SEARCH, READ]);
      expect(second).toEqual(
        first.map((item) => (isToolError(item) ? item : { task: item.task, existing: true })),
      );
      // A remembered task completed meanwhile is not an open one: its slot gets a new task.
      const done = first[0] as { task: { id: string } };
      await completeHubSpotTask(sim, done.task.id);
      requests.length = 0;
      const third = await adapter.createTasks(
        [{ ...inputs[0], idempotency_key: 'lag-0-third' } as never],
        undefined,
      );
      expect(requests).toEqual([SEARCH, READ, COMPANIES, CREATE]);
      expect(third[0]).toMatchObject({ existing: false });
      expect(sim.stats().records.tasks).toBe(5);
    } finally {
      await sim.close();
    }
  });

  it('answers items of one slot as creates in sequence would: the first makes the task, the rest get it', async () => {
    const { sim, adapter, requests } = await recorded();
    try {
      const made = await adapter.createTasks(
        [
          task('acme.com', 'follow_up', 's1'),
          task('globex.com', 'follow_up', 's2'),
          task('acme.com', 'follow_up', 's3'),
          task('acme.com', 'manual_research', 's4'),
        ],
        undefined,
      );
      expect(requests).toEqual([SEARCH, COMPANIES, CREATE]);
      const answers = made.map((item) => (isToolError(item) ? item.code : item));
      expect(answers.map((answer) => (typeof answer === 'string' ? answer : answer.existing))).toEqual([
        false,
        false,
        true,
        false,
      ]);
      expect((made[2] as { task: { id: string } }).task.id).toBe(
        (made[0] as { task: { id: string } }).task.id,
      );
      expect(sim.stats().records.tasks).toBe(3);
    } finally {
      await sim.close();
    }
  });

  it('answers an input HubSpot refused in its 207 alone, and lets the next item of its slot create', async () => {
    // A portal that made tollgate_key unique, holding a task under the key of the second input.
    const { sim, adapter, requests } = await recorded({ uniqueProperties: { tasks: ['tollgate_key'] } });
    try {
      await adapter.createTask(task('elsewhere.com', 'follow_up', 'taken'), undefined);
      requests.length = 0;
      const made = await adapter.createTasks(
        [
          task('acme.com', 'follow_up', 'fresh-1'),
          task('globex.com', 'follow_up', 'taken'),
          task('globex.com', 'follow_up', 'fresh-3'),
        ],
        undefined,
      );
      expect(isToolError(made[0]) ? made[0].code : made[0]?.existing).toBe(false);
      expect(isToolError(made[1], 'conflict')).toBe(true);
      expect(String(made[1])).toContain('Existing ID:');
      // In sequence, the next create for globex.com would have made it: so it does here.
      expect(isToolError(made[2]) ? made[2].code : made[2]?.existing).toBe(false);
      expect(requests).toEqual([SEARCH, COMPANIES, CREATE, CREATE]);
      expect(sim.stats().records.tasks).toBe(3);
    } finally {
      await sim.close();
    }
  });

  it('fails the whole call when HubSpot refuses the whole batch create', async () => {
    const { sim, adapter } = await recorded({ faults: { errors: { lock: 1 } } });
    try {
      const error = await adapter
        .createTasks([task('acme.com', 'follow_up', 'w1'), task('globex.com', 'follow_up', 'w2')], undefined)
        .catch((e: unknown) => e);
      expect(isToolError(error, 'locked')).toBe(true);
      expect(sim.stats().records.tasks).toBe(0);
    } finally {
      await sim.close();
    }
  });
});
