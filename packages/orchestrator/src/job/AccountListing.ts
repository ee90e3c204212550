import type { WarehouseAccount } from './JobContext.ts';

/** One page of the warehouse's account listing, or why it could not be read. */
export type AccountPage =
  | { ok: true; accounts: WarehouseAccount[]; nextCursor: string | undefined }
  | { ok: false; message: string };

export interface AccountListingOptions {
  /** Reads the page at `cursor` (the first page when undefined). */
  fetchPage(cursor: string | undefined): Promise<AccountPage>;
  /** Which of these domains the run already finished. */
  finished(domains: readonly string[]): Promise<Set<string>>;
  /** At most this many accounts, from the start of the listing. */
  limit?: number | undefined;
}

/**
 * The warehouse's accounts, read page by page (never all in memory) and handed out a page at a time
 * to the workers. Accounts the run already finished are counted and passed over. When the run stops
 * early, `rest` reads what is left of the listing without processing it, so a stopped run can still
 * say how many accounts it did not reach.
 */
export class AccountListing {
  /** Accounts taken from the listing so far, finished earlier or not; at most the limit. */
  seen = 0;
  /** Of those, accounts an earlier invocation of the run had finished. */
  resumed = 0;
  /** Why the listing could not be read to its end, once it could not. */
  failure: string | undefined;
  readonly #options: AccountListingOptions;
  #page: WarehouseAccount[] = [];
  #index = 0;
  #finished = new Set<string>();
  #cursor: string | undefined;
  #fetched = false;
  #state: 'open' | 'listed' | 'failed' = 'open';
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: AccountListingOptions) {
    this.#options = options;
  }

  /** True once every account of the listing, up to the limit, was taken. */
  get listed(): boolean {
    return this.#state === 'listed';
  }

  /**
   * Up to `count` accounts to process, in listing order: a page for the batch tools. Fewer at the
   * end of the listing; empty when the listing is over, failed, or `signal` is aborted (the
   * accounts not taken stay in the listing for `rest`). Safe to call from many workers at once:
   * calls are served one after the other.
   */
  nextPage(count: number, signal?: AbortSignal): Promise<WarehouseAccount[]> {
    return this.#serial(async () => {
      const page: WarehouseAccount[] = [];
      while (page.length < count) {
        const account = await this.#take(signal);
        if (account === undefined) break;
        if (this.#finished.has(account.domain)) this.resumed++;
        else page.push(account);
      }
      return page;
    });
  }

  /**
   * Reads the rest of the listing without processing it, and hands `onPage` the accounts of each
   * page that the run has not finished. Stops early when `signal` is aborted or the listing fails.
   */
  rest(onPage: (accounts: WarehouseAccount[]) => Promise<void>, signal?: AbortSignal): Promise<void> {
    return this.#serial(async () => {
      let batch: WarehouseAccount[] = [];
      for (;;) {
        const account = await this.#take(signal);
        if (account === undefined) break;
        if (this.#finished.has(account.domain)) this.resumed++;
        else batch.push(account);
        if (this.#index >= this.#page.length && batch.length > 0) {
          await onPage(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await onPage(batch);
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #take(signal: AbortSignal | undefined): Promise<WarehouseAccount | undefined> {
    for (;;) {
      if (this.#state !== 'open' || signal?.aborted) return undefined;
      const { limit } = this.#options;
      if (limit !== undefined && this.seen >= limit) {
        this.#state = 'listed';
        return undefined;
      }
      const account = this.#page[this.#index];
      if (account !== undefined) {
        this.#index++;
        this.seen++;
        return account;
      }
      if (this.#fetched && this.#cursor === undefined) {
        this.#state = 'listed';
        return undefined;
      }
      await this.#fetch();
    }
  }

  async #fetch(): Promise<void> {
    const page = await this.#options.fetchPage(this.#cursor);
    if (!page.ok) {
      this.#state = 'failed';
      this.failure = page.message;
      return;
    }
    this.#finished = await this.#options.finished(page.accounts.map((account) => account.domain));
    this.#page = page.accounts;
    this.#index = 0;
    this.#cursor = page.nextCursor;
    this.#fetched = true;
  }
}
