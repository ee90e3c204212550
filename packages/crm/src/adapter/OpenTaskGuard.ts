import type { Database, Queryable } from '@tollgate/core/store';

/**
 * What the CRM server adds to HubSpot's search, which lags writes by seconds: creates of the same
 * (account, kind) run one at a time, and the task each made is remembered for a while, so the next
 * create finds it by id (a consistent read) before the search index has it.
 *
 * Without a store this covers one process. With the server's store (attachStore) it covers every
 * server process on that store, restarts included: the tasks made lately are kept in a table, and on
 * a Postgres store the creates of one (account, kind) are serialized across processes by a
 * transaction-scoped advisory lock, held while the search and the create run. That is how replicas
 * behind a load balancer keep one open task per account and kind. (An embedded store serves one
 * process, so there the table is what a restart reads back.)
 */
/** Creates in flight per slot, shared by every guard on one store (several adapters in one process). */
const tailsByStore = new WeakMap<Database, Map<string, Promise<unknown>>>();

export class OpenTaskGuard {
  #tails = new Map<string, Promise<unknown>>();
  readonly #recent = new Map<string, { id: string; at: number }>();
  #store: Database | undefined;

  /**
   * @param rememberMs How long a task made here is remembered: well above HubSpot's usual indexing lag.
   */
  constructor(
    readonly rememberMs = 60_000,
    readonly now: () => number = Date.now,
  ) {}

  /** Keeps what it remembers in the server's store too (migrated with `crm_upstream_open_tasks`). */
  attachStore(store: Database): void {
    this.#store = store;
    const shared = tailsByStore.get(store);
    if (shared === undefined) tailsByStore.set(store, this.#tails);
    else this.#tails = shared;
  }

  /**
   * Runs `fn` after every earlier call for the same slot has settled, in this process and (on a
   * Postgres store) in every process on the store. `fn` gets the connection to remember through:
   * the one holding the lock, so a full pool cannot leave it waiting for a second connection.
   */
  async serialize<T>(slot: string, fn: (q: Queryable | undefined) => Promise<T>): Promise<T> {
    const store = this.#store;
    const locked =
      store?.kind === 'postgres'
        ? () =>
            store.transaction(async (tx) => {
              await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
                `tollgate.crm.task:${slot}`,
              ]);
              return fn(tx);
            })
        : () => fn(store);
    const before = this.#tails.get(slot) ?? Promise.resolve();
    const run = before.then(locked, locked);
    const tail = run.catch(() => undefined);
    this.#tails.set(slot, tail);
    try {
      return await run;
    } finally {
      if (this.#tails.get(slot) === tail) this.#tails.delete(slot);
    }
  }

  /** The id of the task made for the slot lately, here or (with a store) by any process on it. */
  async recent(slot: string, q: Queryable | undefined): Promise<string | undefined> {
    const entry = this.#recent.get(slot);
    if (entry !== undefined && this.now() - entry.at < this.rememberMs) return entry.id;
    if (entry !== undefined) this.#recent.delete(slot);
    if (q === undefined) return undefined;
    const { rows } = await q.query<{ task_id: string }>(
      `SELECT task_id FROM crm_upstream_open_tasks
        WHERE slot = $1 AND made_at > now() - make_interval(secs => $2::double precision / 1000)`,
      [slot, this.rememberMs],
    );
    return rows[0]?.task_id;
  }

  async remember(slot: string, id: string, q: Queryable | undefined): Promise<void> {
    const now = this.now();
    // Forget what the index has surely caught up with, so the map stays as small as the recent past.
    for (const [key, entry] of this.#recent) {
      if (now - entry.at >= this.rememberMs) this.#recent.delete(key);
    }
    this.#recent.set(slot, { id, at: now });
    if (q === undefined) return;
    await q.query(
      `INSERT INTO crm_upstream_open_tasks (slot, task_id) VALUES ($1, $2)
       ON CONFLICT (slot) DO UPDATE SET task_id = excluded.task_id, made_at = now()`,
      [slot, id],
    );
    await q.query(
      'DELETE FROM crm_upstream_open_tasks WHERE made_at < now() - make_interval(secs => $1::double precision / 1000)',
      [this.rememberMs],
    );
  }

  async forget(slot: string, q: Queryable | undefined): Promise<void> {
    this.#recent.delete(slot);
    if (q !== undefined) await q.query('DELETE FROM crm_upstream_open_tasks WHERE slot = $1', [slot]);
  }
}
