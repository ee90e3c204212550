import { join } from 'node:path';
import { UpstreamUnavailableError } from '../errors/ToolError.ts';
import type { GateStep } from '../gate/CallContext.ts';
import {
  type IdempotencyOptions,
  type ServerIdempotency,
  serverIdempotency,
} from '../idempotency/serverIdempotency.ts';
import type { Database } from '../store/Database.ts';
import { isLazyDatabase, lazyDatabase } from '../store/lazyDatabase.ts';
import { type Migration, migrate } from '../store/migrate.ts';
import { memoryPgliteOnUse, pgliteSnapshot, postgresOnUse, tollgateHome } from '../store/openDatabase.ts';
import { openPglite } from '../store/PgliteDatabase.ts';

/**
 * Where a server keeps its idempotency keys (and its own tables, when it has migrations):
 * - a `Database` you opened (see `@tollgate/core/store`); the server closes it when it closes;
 * - `{ url }`: a Postgres server, for replicas that share keys;
 * - `{ dataDir }`: embedded PGlite in that directory;
 * - `{ memory: true }`: embedded PGlite in memory, for tests (keys die with the process).
 * Default: embedded PGlite in `$TOLLGATE_HOME/<server name>/pgdata` (`~/.tollgate` without it).
 */
export type StoreOption = Database | { url: string } | { dataDir: string } | { memory: true };

function isDatabase(store: StoreOption): store is Database {
  return typeof (store as Database).query === 'function';
}

/**
 * The store a server was given, or the default one. Stores made here open on first use: a server
 * answers `initialize` and `tools/list` without them, and one that cannot open fails the call that
 * needed it with a retryable `upstream_unavailable` (an embedded directory held by another process
 * says which) instead of the process.
 */
export function resolveStore(name: string, store: StoreOption | undefined): Database {
  if (store !== undefined && isDatabase(store)) return store;
  if (store !== undefined && 'url' in store) return postgresOnUse(name, store.url, 'the store URL');
  if (store !== undefined && 'memory' in store) return memoryPgliteOnUse(name);
  const home = tollgateHome();
  const dataDir = store?.dataDir ?? join(home, name, 'pgdata');
  return lazyDatabase({
    name,
    kind: 'pglite',
    location: dataDir,
    // openPglite takes the directory's lock and lets go of it at close.
    open: async () => openPglite({ dataDir, snapshot: await pgliteSnapshot(home) }),
    hint:
      `Check that ${dataDir} is writable, its disk has room, and no other process holds it ` +
      '(embedded PGlite serves one process at a time); or give the server a Postgres store.',
  });
}

export interface PreparedStore {
  /** The gate's idempotency step: waits for the store to be ready, then enforces keys on create tools. */
  readonly step: GateStep;
  /** Opens and readies the store now instead of on the first call that needs it. */
  ready(): Promise<void>;
  /** Stops the key sweeper; the store itself is closed by its owner. */
  close(): void;
}

/**
 * Readies a server's store before any call reaches it: the server's migrations, then core's key
 * table, a sweep of expired keys. A store opened on first use is readied as it opens; one already
 * open, on the first call. Every call waits for it (handlers of read tools query the server's tables
 * too); concurrent first calls share one attempt, and a failed attempt is tried again by the next call.
 */
export function prepareStore(
  name: string,
  db: Database,
  migrations: readonly Migration[],
  options: IdempotencyOptions,
): PreparedStore {
  let idempotency: ServerIdempotency | undefined;
  let closed = false;
  const prepare = async (opened: Database) => {
    if (migrations.length > 0) await migrate(opened, name, migrations);
    idempotency = await serverIdempotency(opened, options);
    if (closed) idempotency.close();
  };
  let preparing: Promise<void> | undefined;
  const lazy = isLazyDatabase(db) && !db.opened;
  if (lazy) db.onOpen(prepare);
  const ready = async (): Promise<ServerIdempotency> => {
    if (idempotency !== undefined) return idempotency;
    if (closed) throw new UpstreamUnavailableError(`The ${name} server is closed.`);
    if (lazy) await db.open();
    else {
      preparing ??= prepare(db).catch((error: unknown) => {
        preparing = undefined;
        throw new UpstreamUnavailableError(`The ${name} store could not be prepared: ${messageOf(error)}`, {
          hint: 'Check that the store is reachable and writable; calls succeed once it is.',
          cause: error,
        });
      });
      await preparing;
    }
    if (idempotency === undefined) throw new UpstreamUnavailableError(`The ${name} store is closed.`);
    return idempotency;
  };
  return {
    step: async (ctx, next) => {
      // Handlers reach the store through `ctx.db`; a create's key step swaps in its transaction.
      ctx.tx = db;
      // A store that opens on first use is readied by that first use, whoever makes it: a read
      // that never queries the store does not open it.
      if (lazy && ctx.tool.definition.kind !== 'create') return next();
      return (await ready()).step(ctx, next);
    },
    ready: async () => {
      await ready();
    },
    close: () => {
      closed = true;
      idempotency?.close();
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
