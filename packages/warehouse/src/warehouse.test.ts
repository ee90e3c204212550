import type { Client } from '@modelcontextprotocol/client';
import { toolErrorEnvelopeSchema } from '@tollgate/core/client';
import { DEFAULT_SEED, demoCompanies } from '@tollgate/gtm-data';
import { captureLogs, connectInProcess } from '@tollgate/testing';
import { type Backend, backends } from '@tollgate/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWarehouseConfig, parseWarehouseConfig, type WarehouseConfig } from './config.ts';
import { createWarehouseServer } from './createWarehouseServer.ts';

const ACCOUNTS = 120;

async function open(backend: Backend, config?: WarehouseConfig) {
  const test = await backend.open();
  const warehouse = await createWarehouseServer({
    db: test.db,
    demo: { accounts: ACCOUNTS },
    ...(config ? { config } : {}),
    log: { destination: captureLogs().stream },
  });
  const connection = await connectInProcess(warehouse);
  return {
    client: connection.client,
    db: test.db,
    close: async () => {
      await connection.close();
      await test.drop();
    },
  };
}

const content = <T>(result: { structuredContent?: unknown }) => result.structuredContent as T;
const errorOf = (result: { structuredContent?: unknown }) =>
  toolErrorEnvelopeSchema.parse(result.structuredContent).error;

describe('get_accounts_usage without a set-based query configured', () => {
  it('runs the single-account query once per domain, with the same answers', async () => {
    const backend = backends()[0] as Backend;
    const full = loadWarehouseConfig();
    const { accounts_usage: _, ...tools } = full.tools;
    const older = await open(backend, { ...full, tools });
    try {
      const items = [
        ...demoCompanies(DEFAULT_SEED, 4).map((company) => ({ domain: company.domain })),
        { domain: 'x.example' },
      ];
      const batch = content<{ results: { ok: boolean; value?: unknown; error?: { code: string } }[] }>(
        await older.client.callTool({ name: 'get_accounts_usage', arguments: { items } }),
      );
      for (const [i, item] of items.entries()) {
        const single = await older.client.callTool({ name: 'get_account_usage', arguments: item });
        if (single.isError) expect(batch.results[i]?.error?.code).toBe(errorOf(single).code);
        else expect(batch.results[i]).toEqual({ ok: true, value: content(single) });
      }
    } finally {
      await older.close();
    }
  });
});

describe.each(backends())('the warehouse server on $name', (backend) => {
  let client: Client;
  let close: () => Promise<void> = async () => {};
  beforeAll(async () => {
    if (backend.skip) return;
    ({ client, close } = await open(backend));
  });
  afterAll(() => close());

  describe.skipIf(backend.skip !== '')('', () => {
    it('pages through every demo account exactly once, in domain order, the same companies as the simulators', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { accounts: { domain: string }[]; next_cursor: string | null } = content(
          await client.callTool({
            name: 'list_accounts',
            arguments: { limit: 50, ...(cursor ? { cursor } : {}) },
          }),
        );
        seen.push(...page.accounts.map((account) => account.domain));
        cursor = page.next_cursor;
      } while (cursor);
      const expected = demoCompanies(DEFAULT_SEED, ACCOUNTS).map((company) => company.domain);
      expect(seen).toEqual([...expected].sort());
    });

    it('splits accounts into segments that add up to all of them', async () => {
      let total = 0;
      for (const segment of ['smb', 'mid_market', 'enterprise']) {
        const page = content<{ accounts: { segment: string }[] }>(
          await client.callTool({ name: 'list_accounts', arguments: { segment, limit: 500 } }),
        );
        expect(page.accounts.every((account) => account.segment === segment)).toBe(true);
        total += page.accounts.length;
      }
      expect(total).toBe(ACCOUNTS);
    });

    it('answers a page of usage in one call, each item as get_account_usage answers it', async () => {
      const domains = demoCompanies(DEFAULT_SEED, 6).map((company) => company.domain);
      const items = [
        ...domains.map((domain) => ({ domain })),
        { domain: 'nobody.example' },
        { domain: domains[0] as string, days: 7 },
      ];
      const batch = content<{
        results: { ok: boolean; value?: unknown; error?: { code: string; retryable: boolean } }[];
      }>(await client.callTool({ name: 'get_accounts_usage', arguments: { items } }));
      expect(batch.results).toHaveLength(items.length);
      for (const [i, item] of items.entries()) {
        const single = await client.callTool({ name: 'get_account_usage', arguments: item });
        const result = batch.results[i];
        if (single.isError) {
          expect(result).toMatchObject({
            ok: false,
            error: { code: errorOf(single).code, retryable: false },
          });
        } else expect(result).toEqual({ ok: true, value: content(single) });
      }
      expect(batch.results[6]?.error?.code).toBe('not_found');
    });

    it('reports usage as intent signals, and not_found for an unknown account', async () => {
      const [first] = demoCompanies(DEFAULT_SEED, 1);
      const usage = content<{ usage: Record<string, unknown> }>(
        await client.callTool({
          name: 'get_account_usage',
          arguments: { domain: `https://www.${first?.domain}`, days: 60 },
        }),
      ).usage;
      expect(usage).toMatchObject({ domain: first?.domain, days: 60 });
      for (const key of ['active_users', 'sessions', 'pricing_page_views', 'demo_requests']) {
        expect(Number.isInteger(usage[key])).toBe(true);
      }
      const missing = await client.callTool({
        name: 'get_account_usage',
        arguments: { domain: 'nobody.example' },
      });
      expect(errorOf(missing).code).toBe('not_found');
      const bad = await client.callTool({
        name: 'get_account_usage',
        arguments: { domain: 'acme.com', days: 0 },
      });
      expect(errorOf(bad)).toMatchObject({ code: 'invalid_input', details: { issues: [{ path: 'days' }] } });
    });

    it('lists named queries with their typed parameters', async () => {
      const { queries } = content<{
        queries: { name: string; params: { name: string; type: string; required: boolean }[] }[];
      }>(await client.callTool({ name: 'list_named_queries', arguments: {} }));
      expect(queries.map((query) => query.name)).toEqual([
        'top_active_accounts',
        'accounts_by_industry',
        'arr_by_plan',
        'pricing_interest_since',
      ]);
      expect(queries.find((query) => query.name === 'pricing_interest_since')?.params).toEqual([
        { name: 'since', type: 'date', description: expect.any(String), required: true, default: null },
      ]);
    });

    it('runs a named query with defaults and typed parameters', async () => {
      const result = content<{
        rows: { plan: string; accounts: number }[];
        truncated: boolean;
        columns: string[];
      }>(await client.callTool({ name: 'run_named_query', arguments: { name: 'arr_by_plan' } }));
      expect(result.columns).toEqual(['plan', 'accounts', 'arr']);
      expect(result.rows.reduce((sum, row) => sum + row.accounts, 0)).toBe(ACCOUNTS);
      const top = content<{ rows: unknown[] }>(
        await client.callTool({
          name: 'run_named_query',
          arguments: { name: 'top_active_accounts', params: { limit: 3 } },
        }),
      );
      expect(top.rows.length).toBeLessThanOrEqual(3);
    });

    it('refuses unknown queries, unknown parameters and wrongly typed ones, naming them', async () => {
      const unknown = errorOf(
        await client.callTool({ name: 'run_named_query', arguments: { name: 'drop_everything' } }),
      );
      expect(unknown).toMatchObject({ code: 'invalid_input', details: { issues: [{ path: 'name' }] } });
      expect(unknown.hint).toContain('arr_by_plan');
      const typed = errorOf(
        await client.callTool({
          name: 'run_named_query',
          arguments: { name: 'pricing_interest_since', params: { since: 'yesterday', extra: 1 } },
        }),
      );
      expect(typed.code).toBe('invalid_input');
      expect((typed.details.issues as { path: string }[]).map((issue) => issue.path).sort()).toEqual([
        'params',
        'params.since',
      ]);
    });
  });
});

describe.each(backends())('named-query guard rails on $name', (backend) => {
  const base = loadWarehouseConfig();
  const config = parseWarehouseConfig(
    {
      ...base,
      max_rows: 5,
      queries: {
        every_account: { description: 'All accounts', sql: 'SELECT domain FROM wh_accounts ORDER BY domain' },
        sneaky_write: { description: 'Advances a sequence', sql: "SELECT nextval('guard_rail_seq') AS n" },
      },
    },
    'test',
  );
  let client: Client;
  let close: () => Promise<void> = async () => {};
  beforeAll(async () => {
    if (backend.skip) return;
    const opened = await open(backend, config);
    ({ client, close } = opened);
    await opened.db.query('CREATE SEQUENCE guard_rail_seq');
  });
  afterAll(() => close());

  describe.skipIf(backend.skip !== '')('', () => {
    it('caps rows and says the result was truncated', async () => {
      const result = content<{ rows: unknown[]; truncated: boolean; row_count: number }>(
        await client.callTool({ name: 'run_named_query', arguments: { name: 'every_account' } }),
      );
      expect(result).toMatchObject({ row_count: 5, truncated: true });
      expect(result.rows).toHaveLength(5);
    });

    it('runs every query read-only: a query that writes is refused', async () => {
      const result = await client.callTool({ name: 'run_named_query', arguments: { name: 'sneaky_write' } });
      expect(errorOf(result)).toMatchObject({ code: 'forbidden', retryable: false });
    });
  });
});

// Only a Postgres server can interrupt a running statement; the embedded database runs it to the end
// (the call's deadline still bounds the wait), so this guard rail is a server-only test.
describe.each(backends().filter((backend) => backend.name === 'postgres'))(
  'statement timeout on $name',
  (backend) => {
    it.skipIf(backend.skip !== '')('stops a query at its statement timeout', async () => {
      const base = loadWarehouseConfig();
      const config = parseWarehouseConfig(
        {
          ...base,
          queries: {
            slow: {
              description: 'Sleeps',
              sql: 'SELECT pg_sleep(:seconds) AS slept',
              timeout_ms: 200,
              params: { seconds: { type: 'number', description: 'Seconds' } },
            },
          },
        },
        'test',
      );
      const { client, close } = await open(backend, config);
      try {
        const started = Date.now();
        const result = await client.callTool({
          name: 'run_named_query',
          arguments: { name: 'slow', params: { seconds: 5 } },
        });
        expect(errorOf(result)).toMatchObject({
          code: 'timeout',
          retryable: true,
          details: { timeout_ms: 200 },
        });
        expect(Date.now() - started).toBeLessThan(4000);
      } finally {
        await close();
      }
    });
  },
);

describe('warehouse config', () => {
  const base = loadWarehouseConfig();
  const withQuery = (sql: string, params: Record<string, unknown> = {}) => ({
    ...base,
    queries: { broken: { description: 'x', sql, params } },
  });

  it('refuses placeholders that are not declared and declarations that are not used', () => {
    expect(() => parseWarehouseConfig(withQuery('SELECT :a'), 'f.json')).toThrow(
      /queries.broken: :a is used but not declared/,
    );
    expect(() =>
      parseWarehouseConfig(withQuery('SELECT 1', { b: { type: 'string', description: 'B' } }), 'f.json'),
    ).toThrow(/queries.broken: b is declared but unused/);
  });

  it('refuses more than one statement', () => {
    expect(() => parseWarehouseConfig(withQuery('SELECT 1; DROP TABLE wh_accounts'), 'f.json')).toThrow(
      /one statement only/,
    );
  });

  it('does not mistake a cast for a placeholder', () => {
    expect(() => parseWarehouseConfig(withQuery("SELECT '1'::int AS n"), 'f.json')).not.toThrow();
  });
});
