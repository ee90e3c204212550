import { createServer, type TollgateServer } from '@tollgate/core';
import { scopesOf } from '@tollgate/core/client';
import { type Database, migrate, whenOpen } from '@tollgate/core/store';
import type { LoggerOptions } from '@tollgate/core/telemetry';
import { loadWarehouseConfig, type WarehouseConfig } from './config.ts';
import { warehouseContract } from './contract.ts';
import { seedDemoWarehouse } from './demoData.ts';
import { demoWarehouseMigrations } from './migrations.ts';
import { getAccountsUsageTool } from './tools/getAccountsUsage.ts';
import { getAccountUsageTool } from './tools/getAccountUsage.ts';
import { listAccountsTool } from './tools/listAccounts.ts';
import { listNamedQueriesTool } from './tools/listNamedQueries.ts';
import { runNamedQueryTool } from './tools/runNamedQuery.ts';

export const WAREHOUSE_VERSION = '0.1.0';
/** Every scope the server's tools declare; the default grant. */
export const WAREHOUSE_SCOPES = scopesOf(warehouseContract);

export interface WarehouseServerOptions {
  /** The warehouse connection. */
  db: Database;
  /** Named queries. Default: the demo config shipped in config/demo.json. */
  config?: WarehouseConfig;
  /** Create and fill the demo schema when it is empty (embedded mode). Default false. */
  demo?: { accounts?: number; seed?: number | string } | false;
  grantedScopes?: readonly string[];
  secrets?: readonly (string | undefined)[];
  principal?: string | undefined;
  log?: Omit<LoggerOptions, 'redactor'>;
}

/**
 * The warehouse MCP server. It only reads, so it has no store of its own (no idempotency keys: it
 * has no create tool) and never writes to a real warehouse: `db` is the warehouse, closed with the
 * server; only the embedded demo database gets a schema and data — when it opens, which
 * for a store opened on first use (`openServerDatabase` on `@tollgate/core/settings`) is the first call that queries it.
 */
export async function createWarehouseServer(options: WarehouseServerOptions): Promise<TollgateServer> {
  const { db } = options;
  const { demo } = options;
  if (demo) {
    await whenOpen(db, async (opened) => {
      await migrate(opened, 'warehouse_demo', demoWarehouseMigrations);
      await seedDemoWarehouse(opened, demo);
    });
  }
  const config = options.config ?? loadWarehouseConfig();
  const context = {
    db,
    config,
    limits: { timeoutMs: config.statement_timeout_ms, maxRows: config.max_rows },
  };
  return createServer({
    name: 'warehouse',
    version: WAREHOUSE_VERSION,
    tools: [
      listAccountsTool(context),
      getAccountUsageTool(context),
      getAccountsUsageTool(context),
      listNamedQueriesTool(context),
      runNamedQueryTool(context),
    ],
    grantedScopes: options.grantedScopes ?? WAREHOUSE_SCOPES,
    secrets: options.secrets ?? [],
    instructions: 'Read-only warehouse: accounts, product usage, and named queries. No free-form SQL.',
    ...(options.principal === undefined ? {} : { principal: options.principal }),
    ...(options.log === undefined ? {} : { log: options.log }),
    ready: () => db.query('select 1'),
    onClose: () => db.close(),
  });
}
