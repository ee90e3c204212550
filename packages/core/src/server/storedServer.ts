import type { GateStep } from '../gate/CallContext.ts';
import type { ServerIdempotency } from '../idempotency/serverIdempotency.ts';
import { serverIdempotency } from '../idempotency/serverIdempotency.ts';
import type { Database } from '../store/Database.ts';
import { isLazyDatabase, whenOpen } from '../store/lazyDatabase.ts';
import { type Migration, migrate } from '../store/migrate.ts';
import { openDatabaseOnUse } from '../store/openDatabase.ts';
import type { LoggerOptions } from '../telemetry/logger.ts';
import type { ToolDefinition } from '../tool/defineTool.ts';
import { createServer, type TollgateServer } from './createServer.ts';
import { parseScopes } from './parseScopes.ts';

export interface StoredServerOptions {
  name: string;
  version: string;
  /** The server's own database: its records and its idempotency keys. */
  db: Database;
  migrations: readonly Migration[];
  // biome-ignore lint/suspicious/noExplicitAny: each tool has its own schema types; the list is heterogeneous.
  tools: readonly ToolDefinition<any, any, any>[];
  grantedScopes: readonly string[];
  secrets?: readonly (string | undefined)[];
  principal?: string | undefined;
  log?: Omit<LoggerOptions, 'redactor'>;
  idempotency?: { leaseMs?: number; retentionMs?: number };
  instructions?: string;
  /** Closes what the server holds besides its database (HTTP clients, adapters). */
  onClose?: () => Promise<void>;
}

export interface StoredServer {
  server: TollgateServer;
  db: Database;
  close(): Promise<void>;
}

/**
 * A Tollgate server with its own database: applies the server's migrations and core's, turns on
 * server-enforced idempotency, and closes everything in order.
 *
 * The server is built at once; a store opened on first use (`openServerDatabase`) is migrated and
 * its idempotency keys swept then, before the first call that reaches it, so a server answers
 * `initialize` and `tools/list` without touching its store. An open store is prepared now.
 */
export async function createStoredServer(options: StoredServerOptions): Promise<StoredServer> {
  const { db } = options;
  let idempotency: ServerIdempotency | undefined;
  await whenOpen(db, async (opened) => {
    await migrate(opened, options.name, options.migrations);
    idempotency = await serverIdempotency(opened, options.idempotency);
  });
  // Every tool call needs the key store ready; the first one opens the store (once, shared by
  // concurrent calls) and gets a retryable upstream_unavailable when it cannot.
  const step: GateStep = async (ctx, next) => {
    if (idempotency === undefined && isLazyDatabase(db)) await db.open();
    if (idempotency === undefined) throw new Error(`The ${options.name} store was closed.`);
    return idempotency.step(ctx, next);
  };
  const server = createServer({
    name: options.name,
    version: options.version,
    tools: options.tools,
    grantedScopes: options.grantedScopes,
    secrets: options.secrets ?? [],
    idempotency: step,
    ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
    ...(options.principal === undefined ? {} : { principal: options.principal }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  return {
    server,
    db,
    close: async () => {
      idempotency?.close();
      await options.onClose?.();
      await db.close();
    },
  };
}

export interface ServerSettings {
  /** The prefix the settings were read under (`CRM`), for messages that name a setting. */
  prefix?: string;
  grantedScopes: string[];
  databaseUrl: string | undefined;
  dataDir: string | undefined;
  principal: string | undefined;
}

/**
 * The settings every server reads from its environment, under its own prefix so servers sharing a
 * machine never share credentials: `<P>_SCOPES`, `<P>_DATABASE_URL` (else `DATABASE_URL`),
 * `<P>_DATA_DIR`, `<P>_PRINCIPAL`.
 */
export function serverSettingsFromEnv(
  prefix: string,
  scopes: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ServerSettings {
  return {
    prefix,
    grantedScopes: parseScopes(env[`${prefix}_SCOPES`], scopes, `${prefix}_SCOPES`),
    databaseUrl: env[`${prefix}_DATABASE_URL`] || env.DATABASE_URL || undefined,
    dataDir: env[`${prefix}_DATA_DIR`] || undefined,
    principal: env[`${prefix}_PRINCIPAL`] || undefined,
  };
}

/**
 * The store a server's settings describe: a Postgres server by URL, else embedded PGlite. It opens
 * on first use (see `openDatabaseOnUse`); the embedded database's directory is locked now.
 */
export function openServerDatabase(name: string, settings: ServerSettings): Promise<Database> {
  const prefix = settings.prefix ?? name.toUpperCase();
  return openDatabaseOnUse({
    name,
    url: settings.databaseUrl,
    dataDir: settings.dataDir,
    settings: {
      url: `${prefix}_DATABASE_URL (or DATABASE_URL)`,
      dataDir: `${prefix}_DATA_DIR or TOLLGATE_HOME`,
    },
  });
}
