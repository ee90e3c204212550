import { UpstreamUnavailableError } from '../errors/ToolError.ts';
import type { Database, Queryable } from './Database.ts';

/** A step that readies an opened store (migrations, key stores) before anything else may use it. */
export type OpenStep = (db: Database) => Promise<void>;

export interface LazyDatabaseOptions {
  kind: Database['kind'];
  location: string;
  /** Opens the real store. Runs on first use; again on the next use after a failure. */
  open: () => Promise<Database>;
  /** Names the store in errors, e.g. `crm`. */
  name: string;
  /** What to check when the store cannot be opened: the hint of the tool error callers get. */
  hint: string;
  /** Runs after the real store closed (or at close, when it never opened): releases a lock taken at start. */
  release?: () => void;
}

/** A database opened on first use, not at start. */
export interface LazyDatabase extends Database {
  /** True once the store is open and every open step ran. */
  readonly opened: boolean;
  /**
   * Opens the store now, once: concurrent callers share one attempt, and a failed attempt is
   * forgotten, so the next call tries again. Rejects with a retryable `upstream_unavailable`.
   */
  open(): Promise<Database>;
  /** Adds a step that runs on the opened store before any query reaches it. Call before first use. */
  onOpen(step: OpenStep): void;
}

// A brand, not `instanceof`: a store from another copy of this package is recognised too.
const LAZY: unique symbol = Symbol.for('tollgate.LazyDatabase') as never;

export function isLazyDatabase(db: Database): db is LazyDatabase {
  return (db as { [LAZY]?: unknown })[LAZY] === true;
}

/**
 * Runs `step` on `db` before its first use: at once for a store that is already open, on first use
 * for one opened lazily (`lazyDatabase`), so a server can start without its store.
 */
export async function whenOpen(db: Database, step: OpenStep): Promise<void> {
  if (isLazyDatabase(db) && !db.opened) db.onOpen(step);
  else await step(db);
}

/**
 * A database that opens on first use. A stdio server answers `initialize` and `tools/list` without
 * its store: opening embedded PGlite costs ~0.7 s and ~300 MB, and a host that starts four servers
 * at once waits for the slowest. A store that cannot be opened fails the tool call that needed it
 * with a retryable `upstream_unavailable` naming the setting to check, instead of the process.
 */
export function lazyDatabase(options: LazyDatabaseOptions): LazyDatabase {
  const steps: OpenStep[] = [];
  let real: Database | undefined;
  let opening: Promise<Database> | undefined;
  let closed = false;

  const attempt = async (): Promise<Database> => {
    let db: Database;
    try {
      db = await options.open();
    } catch (error) {
      throw unavailable(`The ${options.name} store could not be opened: ${messageOf(error)}`, error);
    }
    try {
      for (const step of steps) await step(db);
    } catch (error) {
      await db.close().catch(() => undefined);
      throw unavailable(
        `The ${options.name} store opened but could not be prepared: ${messageOf(error)}`,
        error,
      );
    }
    if (closed) {
      // Closed while opening: nothing may use it now.
      await db.close().catch(() => undefined);
      throw unavailable(`The ${options.name} store is closed.`);
    }
    real = db;
    return db;
  };

  const unavailable = (message: string, cause?: unknown) =>
    new UpstreamUnavailableError(message, {
      hint: options.hint,
      details: { store: options.name, kind: options.kind },
      ...(cause === undefined ? {} : { cause }),
    });

  const open = (): Promise<Database> => {
    if (real !== undefined) return Promise.resolve(real);
    if (closed) return Promise.reject(unavailable(`The ${options.name} store is closed.`));
    opening ??= attempt().finally(() => {
      opening = undefined;
    });
    return opening;
  };

  const on = async <T>(use: (db: Queryable & Pick<Database, 'transaction'>) => Promise<T>): Promise<T> =>
    use(real ?? (await open()));

  const lazy: LazyDatabase & { [LAZY]: true } = {
    [LAZY]: true,
    kind: options.kind,
    location: options.location,
    get opened() {
      return real !== undefined;
    },
    open,
    onOpen(step) {
      if (real !== undefined || opening !== undefined) {
        throw new Error(`The ${options.name} store is already open; add open steps before first use.`);
      }
      steps.push(step);
    },
    query: (sql, params) => on((db) => db.query(sql, params)),
    exec: (sql) => on((db) => db.exec(sql)),
    transaction: (fn) => on((db) => db.transaction(fn)),
    async close() {
      if (closed) return;
      closed = true;
      await opening?.catch(() => undefined);
      try {
        await real?.close();
      } finally {
        real = undefined;
        options.release?.();
      }
    },
  };
  return lazy;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
