/**
 * What one CRM server process can add to HubSpot's search, which lags writes by seconds: creates of
 * the same (account, kind) run one at a time, and the task each made is remembered for a while, so
 * the next create finds it by id (a consistent read) before the search index has it.
 *
 * It covers only this process. Another server process (a replica, or a restart that lost the memory)
 * relies on the search alone, and within the lag can make a second open task.
 */
export class OpenTaskGuard {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #recent = new Map<string, { id: string; at: number }>();

  /**
   * @param rememberMs How long a task made here is remembered: well above HubSpot's usual indexing lag.
   */
  constructor(
    readonly rememberMs = 60_000,
    readonly now: () => number = Date.now,
  ) {}

  /** Runs `fn` after every earlier call for the same slot has settled. */
  async serialize<T>(slot: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(slot) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#tails.set(slot, tail);
    try {
      return await run;
    } finally {
      if (this.#tails.get(slot) === tail) this.#tails.delete(slot);
    }
  }

  /** The id of the task made here for the slot lately, if any. */
  recent(slot: string): string | undefined {
    const entry = this.#recent.get(slot);
    if (entry === undefined) return undefined;
    if (this.now() - entry.at < this.rememberMs) return entry.id;
    this.#recent.delete(slot);
    return undefined;
  }

  remember(slot: string, id: string): void {
    const now = this.now();
    // Forget what the index has surely caught up with, so the map stays as small as the recent past.
    for (const [key, entry] of this.#recent) {
      if (now - entry.at >= this.rememberMs) this.#recent.delete(key);
    }
    this.#recent.set(slot, { id, at: now });
  }

  forget(slot: string): void {
    this.#recent.delete(slot);
  }
}
