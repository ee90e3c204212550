import { createServer, type TollgateServer } from '@tollgate/core';
import { openServerDatabase, serverSettingsFromEnv } from '@tollgate/core/settings';
import { type Database, migrate, whenOpen } from '@tollgate/core/store';
import type { LoggerOptions } from '@tollgate/core/telemetry';
import { loadWarehouseConfig, type WarehouseConfig } from './config.ts';
import { seedDemoWarehouse } from './demoData.ts';
import { demoWarehouseMigrations } from './migrations.ts';
import { getAccountUsageTool } from './tools/getAccountUsage.ts';
import { listAccountsTool } from './tools/listAccounts.ts';
import { listNamedQueriesTool } from './tools/listNamedQueries.ts';
import { runNamedQueryTool } from './tools/runNamedQuery.ts';

export const WAREHOUSE_VERSION = '0.1.0';
export const WAREHOUSE_SCOPES = ['accounts:read', 'usage:read', 'queries:read', 'queries:run'] as const;

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
 * for a store opened on first use (`openServerDatabase`) is the first call that queries it.
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

/**
 * Builds the server as `tollgate serve warehouse` does: WAREHOUSE_DATABASE_URL points at any
 * Postgres-compatible warehouse (used read-only, never migrated); without it the embedded demo
 * warehouse is created and seeded (WAREHOUSE_DEMO_ACCOUNTS, default 400). WAREHOUSE_QUERIES names
 * a config file of named queries.
 */
export async function createWarehouseServerFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Promise<TollgateServer> {
  const settings = serverSettingsFromEnv('WAREHOUSE', WAREHOUSE_SCOPES, env);
  const accounts = Number(env.WAREHOUSE_DEMO_ACCOUNTS ?? 400);
  if (!Number.isInteger(accounts) || accounts < 1) {
    throw new Error(
      `WAREHOUSE_DEMO_ACCOUNTS must be a positive whole number, got "${env.WAREHOUSE_DEMO_ACCOUNTS}".`,
    );
  }
  return createWarehouseServer({
    db: await openServerDatabase('warehouse', settings),
    config: loadWarehouseConfig(env.WAREHOUSE_QUERIES),
    demo: settings.databaseUrl === undefined ? { accounts } : false,
    grantedScopes: settings.grantedScopes,
    secrets: [settings.databaseUrl],
    principal: settings.principal,
  });
}
