import type { TollgateServer } from '@tollgate/core';
import type { Database } from '@tollgate/core/store';
import { contractCases, registerContractCases, storeSnapshot } from '@tollgate/testing';
import { describe, it } from 'vitest';
import { createWarehouseServer } from './createWarehouseServer.ts';

// The warehouse is not the server's store (it has none: no create tool), so the kit is told where
// its state is, to check that a refused call changes nothing there.
const warehouses = new WeakMap<TollgateServer, Database>();

registerContractCases(
  'the warehouse server’s contract',
  await contractCases({
    name: 'warehouse',
    create: async (env) => {
      const db = await env.store();
      const server = await createWarehouseServer({
        db,
        demo: { accounts: 20 },
        secrets: [env.secret],
        log: env.log,
      });
      warehouses.set(server, db);
      return server;
    },
    snapshot: async (server) => {
      const db = warehouses.get(server);
      if (db === undefined) throw new Error('no warehouse for this server');
      return storeSnapshot(db);
    },
    examples: {
      list_accounts: { segment: 'smb', limit: 10 },
      get_account_usage: { domain: 'acme.com', days: 30 },
      get_accounts_usage: { items: [{ domain: 'acme.com', days: 30 }, { domain: 'beta.com' }] },
      list_named_queries: {},
      run_named_query: { name: 'arr_by_plan', params: {} },
    },
  }),
  { describe, it },
);
