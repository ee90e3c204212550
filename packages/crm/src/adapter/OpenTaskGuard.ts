import type { Database, Queryable } from '@tollgate/core/store';

/**
 * What the CRM server adds to HubSpot's search, which lags writes by seconds: creates of the same
 * (account, kind) run one at a time, and the task each made is remembered for a while, so the next
 * create finds it by id (a consistent read) before the search index has it.
 *
 * Without a store this covers one process. With the server's store (attachStore) it covers every
 * server process on that store, restarts included: the tasks made lately are kept in a table, and on
 * a Postgres store the creates of one (account, kind) are serialized across processes by a
 * transaction-scoped advisory lock, held while the search and the create run (a batch holds the
 * locks of all its slots, taken in sorted order). That is how replicas behind a load balancer keep
 * one open task per account and kind. (An embedded store serves one process, so there the table is
 * what a restart reads back.)
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
  serialize<T>(slot: string, fn: (q: Queryable | undefined) => Promise<T>): Promise<T> {
    return this.serializeMany([slot], fn);
  }

  /**
   * `serialize` for many slots at once: `fn` runs once every earlier call for any of them has
   * settled, holding all of them. Across processes (Postgres) the slots' advisory locks are taken
   * one by one in sorted order, so two batches sharing slots wait for each other instead of each
   * holding a slot the other needs; in this process a call waits only for calls that came before
   * it, which hold nothing it waits for.
   */
  async serializeMany<T>(slots: readonly string[], fn: (q: Queryable | undefined) => Promise<T>): Promise<T> {
    const sorted = [...new Set(slots)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const store = this.#store;
    const locked =
      store?.kind === 'postgres'
        ? () =>
            store.transaction(async (tx) => {
              for (const slot of sorted) {
                await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
                  `tollgate.crm.task:${slot}`,
                ]);
              }
              return fn(tx);
            })
        : () => fn(store);
    const before = Promise.all(sorted.map((slot) => this.#tails.get(slot) ?? Promise.resolve()));
    const run = before.then(locked, locked);
    const tail = run.catch(() => undefined);
    for (const slot of sorted) this.#tails.set(slot, tail);
    try {
      return await run;
    } finally {
      for (const slot of sorted) if (this.#tails.get(slot) === tail) this.#tails.delete(slot);
    }
  }

  /**
   * The ids of the tasks made for these slots lately, here or (with a store) by any process on it:
   * what this process remembers, and one query for the rest.
   */
  async recentMany(slots: readonly string[], q: Queryable | undefined): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const ask: string[] = [];
    for (const slot of new Set(slots)) {
      const entry = this.#recent.get(slot);
      if (entry !== undefined && this.now() - entry.at < this.rememberMs) {
        found.set(slot, entry.id);
        continue;
      }
      if (entry !== undefined) this.#recent.delete(slot);
      ask.push(slot);
    }
    if (q === undefined || ask.length === 0) return found;
    const { rows } = await q.query<{ slot: string; task_id: string }>(
      `SELECT slot, task_id FROM crm_upstream_open_tasks
        WHERE slot = ANY($1::text[]) AND made_at > now() - make_interval(secs => $2::double precision / 1000)`,
      [ask, this.rememberMs],
    );
    for (const row of rows) found.set(row.slot, row.task_id);
    return found;
  }

  /** Remembers the tasks just made, each for its slot: one statement for them all. */
  async rememberMany(made: readonly { slot: string; id: string }[], q: Queryable | undefined): Promise<void> {
    if (made.length === 0) return;
    const now = this.now();
    // Forget what the index has surely caught up with, so the map stays as small as the recent past.
    for (const [key, entry] of this.#recent) {
      if (now - entry.at >= this.rememberMs) this.#recent.delete(key);
    }
    // The last task made for a slot is the one remembered, here and in the store.
    const last = new Map(made.map(({ slot, id }) => [slot, id]));
    for (const [slot, id] of last) this.#recent.set(slot, { id, at: now });
    if (q === undefined) return;
    await q.query(
      `INSERT INTO crm_upstream_open_tasks (slot, task_id)
         SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (slot) DO UPDATE SET task_id = excluded.task_id, made_at = now()`,
      [[...last.keys()], [...last.values()]],
    );
    await q.query(
      'DELETE FROM crm_upstream_open_tasks WHERE made_at < now() - make_interval(secs => $1::double precision / 1000)',
      [this.rememberMs],
    );
  }

  /** Forgets the slots' tasks: HubSpot says they are no longer open tasks of the slot. */
  async forgetMany(slots: readonly string[], q: Queryable | undefined): Promise<void> {
    if (slots.length === 0) return;
    for (const slot of slots) this.#recent.delete(slot);
    if (q !== undefined) {
      await q.query('DELETE FROM crm_upstream_open_tasks WHERE slot = ANY($1::text[])', [[...slots]]);
    }
  }
}
