import { createServer, type TollgateServer } from '@tollgate/core';
import type { Database } from '@tollgate/core/store';
import type { LoggerOptions } from '@tollgate/core/telemetry';
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
  principal?: string | undefined;
  log?: Omit<LoggerOptions, 'redactor'>;
  idempotency?: { leaseMs?: number; retentionMs?: number };
}

export interface CrmServer extends TollgateServer {
  adapter: CrmAdapter;
}

/** The CRM MCP server: migrates its store, enforces idempotency, and serves the CRM tools. */
export async function createCrmServer(options: CrmServerOptions): Promise<CrmServer> {
  const adapter: CrmAdapter = options.adapter ?? new SqlCrmAdapter(options.db);
  adapter.attachStore?.(options.db);
  const server = createServer({
    name: 'crm',
    version: CRM_VERSION,
    store: options.db,
    migrations: crmMigrations,
    tools: crmTools(adapter),
    grantedScopes: options.grantedScopes ?? CRM_SCOPES,
    secrets: options.secrets ?? [],
    principal: options.principal,
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.idempotency === undefined ? {} : { idempotency: options.idempotency }),
    instructions:
      'CRM accounts (keyed by domain), leads (keyed by email), tasks and owners. Upserts are safe to repeat; ' +
      'create_task needs an idempotency_key you keep for retries of the same task.',
    onClose: () => adapter.close(),
  });
  return Object.assign(server, { adapter });
}
