import {
  createServer,
  type Database,
  type LoggerOptions,
  migrate,
  openDatabase,
  parseScopes,
  type ServerIdempotency,
  serverIdempotency,
  type TollgateServer,
} from '@tollgate/core';
import type { CrmAdapter } from './adapter/CrmAdapter.ts';
import { crmMigrations } from './adapter/migrations.ts';
import { SqlCrmAdapter } from './adapter/SqlCrmAdapter.ts';
import { CRM_SCOPES, crmTools } from './tools/index.ts';

export const CRM_VERSION = '0.1.0';

export interface CrmServerOptions {
  /** The server's own database (idempotency keys, and records for the built-in adapter). */
  db: Database;
  /** Where records live. Default: the built-in SQL store in `db`. */
  adapter?: CrmAdapter;
  /** Default: every CRM scope. */
  grantedScopes?: readonly string[];
  /** Upstream credentials and other values to redact everywhere. */
  secrets?: readonly (string | undefined)[];
  principal?: string;
  log?: Omit<LoggerOptions, 'redactor'>;
  idempotency?: { leaseMs?: number; retentionMs?: number };
}

export interface CrmServer {
  server: TollgateServer;
  adapter: CrmAdapter;
  close(): Promise<void>;
}

/** The CRM MCP server: migrates its store, enforces idempotency, and serves the CRM tools. */
export async function createCrmServer(options: CrmServerOptions): Promise<CrmServer> {
  const { db } = options;
  await migrate(db, 'crm', crmMigrations);
  const adapter = options.adapter ?? new SqlCrmAdapter(db);
  const idempotency: ServerIdempotency = await serverIdempotency(db, options.idempotency);
  const server = createServer({
    name: 'crm',
    version: CRM_VERSION,
    tools: crmTools(adapter),
    grantedScopes: options.grantedScopes ?? CRM_SCOPES,
    secrets: options.secrets ?? [],
    idempotency: idempotency.step,
    instructions:
      'CRM accounts (keyed by domain), leads (keyed by email), tasks and owners. Upserts are safe to repeat; ' +
      'create_task needs an idempotency_key you keep for retries of the same task.',
    ...(options.principal === undefined ? {} : { principal: options.principal }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  return {
    server,
    adapter,
    close: async () => {
      idempotency.close();
      if (adapter.kind !== 'builtin') await adapter.close();
      await db.close();
    },
  };
}

/** Settings read from the environment by `tollgate serve crm`. */
export function crmSettingsFromEnv(env: NodeJS.ProcessEnv = process.env) {
  return {
    grantedScopes: parseScopes(env.CRM_SCOPES, CRM_SCOPES, 'CRM_SCOPES'),
    databaseUrl: env.CRM_DATABASE_URL ?? env.DATABASE_URL,
    dataDir: env.CRM_DATA_DIR,
    principal: env.CRM_PRINCIPAL,
  };
}

/** Opens the CRM's store as configured by the environment and builds the server. */
export async function createCrmServerFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<CrmServer> {
  const settings = crmSettingsFromEnv(env);
  const db = await openDatabase({ name: 'crm', url: settings.databaseUrl, dataDir: settings.dataDir });
  return createCrmServer({
    db,
    grantedScopes: settings.grantedScopes,
    secrets: [settings.databaseUrl],
    ...(settings.principal === undefined ? {} : { principal: settings.principal }),
  });
}
