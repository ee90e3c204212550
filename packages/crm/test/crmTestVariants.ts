import type { Client } from '@modelcontextprotocol/client';
import { toolErrorEnvelopeSchema } from '@tollgate/core/client';
import type { Database } from '@tollgate/core/store';
import { type CrmSimulator, type CrmSimulatorOptions, startCrmSimulator } from '@tollgate/simulators';
import { borrowed, captureLogs, connectInProcess, type InProcessConnection } from '@tollgate/testing';
import { type Backend, backends } from '@tollgate/testing/backends';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { CrmAdapter } from '../src/adapter/CrmAdapter.ts';
import { HubSpotCrmAdapter, type HubSpotCrmOptions } from '../src/adapter/HubSpotCrmAdapter.ts';
import { type CrmServer, createCrmServer } from '../src/createCrmServer.ts';
import { CRM_SCOPES } from '../src/tools/index.ts';

/** One way of storing CRM records that every tool test runs against. */
export interface CrmVariant {
  name: string;
  /** Why the variant cannot run here, or '' when it can. */
  skip: string;
  /** Once before the variant's tests, and once after them. */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  open(): Promise<OpenVariant>;
}

/** One test's store, opened fresh. */
export interface OpenVariant {
  /** The server's own database: idempotency keys, and the records of the built-in adapter. */
  db: Database;
  /** Undefined for the built-in adapter, which the server builds on `db`. */
  adapter: CrmAdapter | undefined;
  /** How many accounts the store holds. */
  accountCount(): Promise<number>;
  /** How many tasks the store holds, open or done, read consistently (not through a lagging search). */
  taskCount(): Promise<number>;
  /** Marks a task done, as a person working the CRM would: no tool does this. */
  completeTask(id: string): Promise<void>;
  drop(): Promise<void>;
}

/** A simulator with limits out of the way and no indexing lag: the built-in store has neither. */
export const SHARED_SIMULATOR: CrmSimulatorOptions = {
  seed: 7,
  indexingLagMs: 0,
  rateLimit: { max: 1_000_000, intervalMs: 10_000 },
  searchRateLimit: { max: 100_000, intervalMs: 1000 },
};

/** The PGlite backend, for the server database of HubSpot-backed tests (its records live upstream). */
export const pglite = (): Backend => backends().find((backend) => backend.name === 'pglite') as Backend;

/** A HubSpot adapter for a simulator, with the simulator's token. */
export function hubSpotAdapter(
  sim: CrmSimulator,
  options: Partial<HubSpotCrmOptions> = {},
): HubSpotCrmAdapter {
  return new HubSpotCrmAdapter({ url: sim.url, token: sim.token, timeoutMs: 2000, ...options });
}

/** Marks a task COMPLETED in the simulated portal, as a rep closing it in HubSpot would. */
export async function completeHubSpotTask(sim: CrmSimulator, id: string): Promise<void> {
  const response = await fetch(new URL(`/crm/v3/objects/tasks/${id}`, sim.url), {
    method: 'PATCH',
    headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { hs_task_status: 'COMPLETED' } }),
  });
  if (!response.ok) throw new Error(`Completing task ${id} answered ${response.status}`);
}

const builtin = (backend: Backend): CrmVariant => ({
  name: `builtin on ${backend.name}`,
  skip: backend.skip,
  open: async () => {
    const { db, drop } = await backend.open();
    const count = async (table: string) => {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      return rows[0]?.n ?? 0;
    };
    return {
      db,
      adapter: undefined,
      accountCount: () => count('crm_accounts'),
      taskCount: () => count('crm_tasks'),
      completeTask: async (id) => {
        await db.query(`UPDATE crm_tasks SET status = 'done' WHERE id = $1`, [id]);
      },
      drop,
    };
  },
});

/**
 * One PGlite database shared by the tests of a file whose records live upstream: it holds only
 * idempotency keys (and the HubSpot adapter's recent tasks), which `reset` wipes, so each test starts as on a fresh store at a fraction of
 * the cost. Servers get a handle whose close() leaves it open.
 */
export function sharedServerDatabase() {
  let shared: Awaited<ReturnType<Backend['open']>> | undefined;
  const db = (): Database => {
    if (shared === undefined) throw new Error('open() the shared database first, in beforeAll');
    return borrowed(shared.db);
  };
  return {
    open: async () => {
      shared = await pglite().open();
    },
    drop: async () => shared?.drop(),
    db,
    reset: async () => {
      // Before the first server has migrated the database there is nothing to wipe.
      const { rows } = await db().query<{ t: string | null }>(
        `SELECT to_regclass('tollgate_idempotency')::text AS t`,
      );
      if (rows[0]?.t) await db().query('DELETE FROM tollgate_idempotency');
      // The HubSpot adapter's memory of tasks it made: each test has a new simulated portal.
      const remembered = await db().query<{ t: string | null }>(
        `SELECT to_regclass('crm_upstream_open_tasks')::text AS t`,
      );
      if (remembered.rows[0]?.t) await db().query('DELETE FROM crm_upstream_open_tasks');
    },
  };
}

/** The HubSpot adapter on a fresh simulator per test. */
export function hubSpotVariant(): CrmVariant {
  const database = sharedServerDatabase();
  return {
    name: 'hubspot on the simulator',
    skip: '',
    setup: database.open,
    teardown: database.drop,
    open: async () => {
      const sim = await startCrmSimulator(SHARED_SIMULATOR);
      await database.reset();
      return {
        db: database.db(),
        adapter: hubSpotAdapter(sim),
        accountCount: async () => sim.stats().records.companies,
        taskCount: async () => sim.stats().records.tasks,
        completeTask: (id) => completeHubSpotTask(sim, id),
        drop: () => sim.close(),
      };
    },
  };
}

/**
 * A fresh store and CRM server for each test of a variant, closed after it; call inside the
 * variant's describe. `start` opens them and connects an in-process client; `store` is the open one.
 */
export function crmServerPerTest(variant: CrmVariant) {
  let crm: CrmServer | undefined;
  let connection: InProcessConnection | undefined;
  let store: OpenVariant | undefined;
  if (variant.setup !== undefined) beforeAll(variant.setup);
  if (variant.teardown !== undefined) afterAll(variant.teardown);
  afterEach(async () => {
    await connection?.close();
    await crm?.close();
    await store?.drop();
    connection = undefined;
    crm = undefined;
    store = undefined;
  });
  return {
    get store(): OpenVariant | undefined {
      return store;
    },
    async start(grantedScopes: readonly string[] = CRM_SCOPES): Promise<Client> {
      store = await variant.open();
      crm = await createCrmServer({
        db: store.db,
        ...(store.adapter === undefined ? {} : { adapter: store.adapter }),
        grantedScopes,
        log: { destination: captureLogs().stream },
      });
      connection = await connectInProcess(crm);
      return connection.client;
    },
  };
}

/** The built-in adapter on both database backends. */
export function builtinVariants(): CrmVariant[] {
  return backends().map(builtin);
}

/** Calls a tool that must succeed and returns its structured output. */
export async function call(client: Client, name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(JSON.stringify(result.structuredContent));
  return result.structuredContent as Record<string, unknown> & { [key: string]: never };
}

/** Calls a tool that must fail and returns its error envelope. */
export async function callError(client: Client, name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  expect(result.isError).toBe(true);
  return toolErrorEnvelopeSchema.parse(result.structuredContent).error;
}
