import { AsyncResource } from 'node:async_hooks';
import type { AnyToolContract, ToolArguments, ToolValue } from '@tollgate/core/client';
import {
  BrokenCircuitError,
  bulkhead,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhenResult,
  type IPolicy,
  type IRetryContext,
  retry,
  wrap,
} from 'cockatiel';
import type { ServerCallStats } from '../report/types.ts';
import type { CallError, CallOutcome, ServerConnection } from '../servers/ServerConnection.ts';
import { FullJitterBackoff } from './FullJitterBackoff.ts';
import type { RetryBudget } from './RetryBudget.ts';
import { TokenBucket } from './TokenBucket.ts';

export interface GuardOptions {
  /** Calls in flight to this server at once (a cockatiel bulkhead). */
  concurrency: number;
  /** Client-side pacing, set to the upstream's limit. */
  ratePerSecond: number;
  burst?: number | undefined;
  /** Attempts per call, the first included. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Consecutive unavailable/timeout results that open this server's breaker. */
  breakerThreshold: number;
  breakerHalfOpenAfterMs: number;
  callTimeoutMs: number;
  random?: () => number;
}

/** A call's outcome and how many attempts it took. */
export type GuardedOutcome<V = unknown> = CallOutcome<V> & { attempts: number };

/** The tools a caller may call on one server, keyed by name (a server's contract, or part of it). */
export type ToolSet = Record<string, AnyToolContract>;

/** The batch tools of a tool set: their answer is `{ results: [...] }`, one per item. */
type BatchName<T extends ToolSet> = {
  [N in keyof T & string]: T[N] extends { item: unknown } ? N : never;
}[keyof T & string];

/** One item of a batch tool's arguments. */
type ItemOf<T extends ToolSet, N extends keyof T> =
  ToolArguments<T[N]> extends { items: (infer I)[] } ? I : never;

/** One item's value. */
type ValueOf<T extends ToolSet, N extends keyof T> =
  ToolValue<T[N]> extends { results: { value?: infer V }[] } ? NonNullable<V> : never;

/** One item's outcome: its value or its error, and how many calls it took. */
export type ItemOutcome<V = unknown> =
  | { ok: true; value: V; replayed: boolean; attempts: number }
  | { ok: false; error: CallError; attempts: number };

const isOutcome = (value: unknown): value is CallOutcome =>
  typeof value === 'object' && value !== null && 'ok' in value;
const BREAKING = new Set(['upstream_unavailable', 'timeout']);

/**
 * One server behind small composed policies (cockatiel): retry only what the server says is
 * retryable, with full-jitter backoff and a shared budget; a circuit breaker per server; a bulkhead
 * for concurrency; and a token bucket that paces calls to the upstream limit and pauses when a
 * rate limit says so. A call never throws.
 */
export class GuardedServer<T extends ToolSet = ToolSet> {
  readonly name: string;
  /** The tools this caller calls here: `call` takes only their names and their arguments. */
  readonly tools: T;
  readonly stats: ServerCallStats = { calls: 0, retries: 0, errors: {} };
  readonly bucket: TokenBucket;
  readonly #connection: ServerConnection;
  readonly #policy: IPolicy<IRetryContext>;
  readonly #options: GuardOptions;
  readonly #budget: RetryBudget;
  readonly #backoff: FullJitterBackoff;
  #breakerOpen = false;

  constructor(connection: ServerConnection, tools: T, options: GuardOptions, budget: RetryBudget) {
    this.name = connection.name;
    this.tools = tools;
    this.#connection = connection;
    this.#options = options;
    this.#budget = budget;
    this.bucket = new TokenBucket(options.ratePerSecond, options.burst);
    this.#backoff = new FullJitterBackoff(options.backoffBaseMs, options.backoffCapMs, options.random);
    const retryPolicy = retry(
      handleWhenResult(
        (value) => isOutcome(value) && !value.ok && value.error.retryable && budget.remaining > 0,
      ),
      {
        maxAttempts: options.maxAttempts - 1,
        backoff: this.#backoff,
      },
    );
    retryPolicy.onRetry(() => {
      budget.spend();
      this.stats.retries++;
    });
    const breaker = circuitBreaker(
      handleWhenResult((value) => isOutcome(value) && !value.ok && BREAKING.has(value.error.code)),
      {
        halfOpenAfter: options.breakerHalfOpenAfterMs,
        breaker: new ConsecutiveBreaker(options.breakerThreshold),
      },
    );
    breaker.onBreak(() => {
      this.#breakerOpen = true;
    });
    breaker.onReset(() => {
      this.#breakerOpen = false;
    });
    this.#policy = wrap(retryPolicy, breaker, bulkhead(options.concurrency, Number.MAX_SAFE_INTEGER));
  }

  /** True while the breaker is open: calls fail fast with `circuit_open`. */
  get breakerOpen(): boolean {
    return this.#breakerOpen;
  }

  async call<N extends keyof T & string>(
    name: N,
    args: ToolArguments<T[N]>,
  ): Promise<GuardedOutcome<ToolValue<T[N]>>> {
    const tool = this.tools[name] as T[N] | undefined;
    if (tool === undefined) return notATool(this.name, name);
    return this.#execute(tool, () => args, true);
  }

  /**
   * One call through the policies. `argsOf` is asked for the arguments once, when the first attempt
   * holds its bulkhead slot and its token (a batch takes its items from the queue then), and the
   * same arguments go out on every attempt.
   */
  async #execute<C extends AnyToolContract>(
    tool: C,
    argsOf: () => ToolArguments<C>,
    recordsCall: boolean,
    spanAttributes?: () => Record<string, string[]>,
  ): Promise<GuardedOutcome<ToolValue<C>>> {
    let attempts = 0;
    let args: ToolArguments<C> | undefined;
    try {
      // Bound to this call's async context: cockatiel's bulkhead starts a queued call from the
      // call that frees its slot, which would otherwise put this account's spans in another's trace.
      const outcome = await this.#policy.execute(
        AsyncResource.bind(async ({ attempt }: IRetryContext) => {
          attempts = attempt + 1;
          if (attempt === 0 && recordsCall) this.#budget.recordCall();
          await this.bucket.take();
          args ??= argsOf();
          this.stats.calls++;
          const outcome = await this.#connection.call<C>(tool, args, {
            attempt: attempt + 1,
            timeoutMs: this.#options.callTimeoutMs,
            spanAttributes: spanAttributes?.(),
          });
          if (!outcome.ok) {
            this.stats.errors[outcome.error.code] = (this.stats.errors[outcome.error.code] ?? 0) + 1;
            // Every worker waits, not only this one: the limit is the server's, shared by all calls.
            if (outcome.error.code === 'rate_limited' && outcome.error.retry_after_ms !== undefined) {
              this.bucket.pauseUntil(Date.now() + outcome.error.retry_after_ms);
            }
          }
          return outcome;
        }),
      );
      return { ...outcome, attempts };
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        return {
          ok: false,
          attempts,
          error: {
            code: 'circuit_open',
            retryable: false,
            message: `${this.name} is failing; its breaker is open`,
          },
        };
      }
      return {
        ok: false,
        attempts,
        error: { code: 'internal', retryable: false, message: (error as Error).message },
      };
    }
  }

  /**
   * Calls a batch tool on many items and answers each item on its own, in order.
   *
   * Items wait in one queue per tool, shared by every caller, and a request takes them from it only
   * once it holds a bulkhead slot and a rate-limit token, and (short of a full batch: `limit`,
   * default the tool's `maxItems`) once no other request of the tool is in flight: the requests
   * that go out are as full as the callers keep them, even when each brings a part-page. Only the items that failed retryably are queued again, after a full-jitter wait no
   * shorter than any retry delay they were given, up to `maxAttempts` calls each: an item is never
   * sent again once answered, so a retried batch create replays nothing and makes nothing twice. A
   * failure of the whole call (after its own retries) is the answer of every item it carried; an
   * open breaker is waited out for its probe instead (a page is a hundred accounts: rather than
   * degrade them all on a short outage). The retry budget grows with the items, as it would with
   * single calls.
   *
   * A request runs in the async context (the trace) of the caller whose item is first in it, and
   * its span lists the accounts it carries (`tollgate.accounts`: its items' domains), so each
   * account's calls are found by its domain whichever page's trace they are in.
   */
  callBatch<N extends BatchName<T>>(
    name: N,
    items: readonly ItemOf<T, N>[],
    limit?: number,
  ): Promise<ItemOutcome<ValueOf<T, N>>[]> {
    const tool = this.tools[name] as T[N] | undefined;
    if (tool === undefined) {
      const { error } = notATool(this.name, name);
      return Promise.resolve(items.map(() => ({ ok: false as const, error, attempts: 0 })));
    }
    const max = Math.max(1, Math.min(limit ?? Number.POSITIVE_INFINITY, maxItemsOf(tool)));
    let queue = this.#queues.get(name);
    if (queue === undefined) {
      queue = { tool, max, entries: [], opening: false, inFlight: 0 };
      this.#queues.set(name, queue);
    }
    const batchQueue = queue;
    batchQueue.max = Math.min(batchQueue.max, max);
    const caller = new AsyncResource('tollgate.batch');
    const answers = items.map(
      (item) =>
        new Promise<ItemOutcome>((resolve) => {
          this.#budget.recordCall();
          batchQueue.entries.push({ item, caller, attempts: 0, rounds: 0, resolve });
        }),
    );
    this.#open(batchQueue);
    return Promise.all(answers) as Promise<ItemOutcome<ValueOf<T, N>>[]>;
  }

  readonly #queues = new Map<string, BatchQueue>();

  /**
   * Opens a request for the queue's waiting items, unless one is already waiting to take them, or
   * one of this tool is in flight and they do not fill a batch: then they wait for its answer, and
   * more items with them (as Nagle's algorithm does for small writes). A vendor counts requests,
   * not items (a rate limit, a daily quota, a search limit behind a create), so the fewer and fuller
   * the better; a full batch never waits.
   */
  #open(queue: BatchQueue): void {
    if (queue.opening || queue.entries.length === 0) return;
    if (queue.inFlight > 0 && queue.entries.length < queue.max) return;
    queue.opening = true;
    queue.inFlight++;
    // The first waiting item is the first the request takes: the request runs in its caller's trace.
    const caller = (queue.entries[0] as Waiting).caller;
    let taken: Waiting[] | undefined;
    const takeItems = () => {
      taken = queue.entries.splice(0, queue.max);
      queue.opening = false;
      // The rest (and what comes meanwhile) wait for the next request.
      this.#open(queue);
      return { items: taken.map((entry) => entry.item) } as unknown as ToolArguments<AnyToolContract>;
    };
    const accounts = () => ({
      'tollgate.accounts': (taken ?? []).flatMap((entry) => domainOf(entry.item)),
    });
    void caller
      .runInAsyncScope(() => this.#execute(queue.tool, takeItems, false, accounts))
      .then((call) => {
        queue.inFlight--;
        // Failed before it was sent (an open breaker): it took nothing, so it answers the items
        // it would have taken, and another request may open.
        if (taken === undefined) {
          taken = queue.entries.splice(0, queue.max);
          queue.opening = false;
        }
        this.#answer(queue, taken, call);
        this.#open(queue);
      });
  }

  /** Settles the items one request carried, and queues again those to retry. */
  #answer(queue: BatchQueue, carried: Waiting[], call: GuardedOutcome): void {
    for (const entry of carried) {
      entry.attempts += call.attempts;
      entry.rounds++;
    }
    const canRetry = (entry: Waiting) =>
      entry.rounds < this.#options.maxAttempts && this.#budget.remaining > 0;
    if (!call.ok) {
      if (call.error.code === 'circuit_open') {
        const waiting = carried.filter(canRetry);
        for (const _ of waiting) {
          this.#budget.spend();
          this.stats.retries++;
        }
        const random = (this.#options.random ?? Math.random)();
        this.#later(queue, waiting, Math.round(this.#options.breakerHalfOpenAfterMs * (0.5 + random)));
        for (const entry of carried) if (!waiting.includes(entry)) fail(entry, call.error);
        return;
      }
      for (const entry of carried) fail(entry, call.error);
      return;
    }
    const results = (
      call.value as { results: { ok: boolean; value?: unknown; error?: CallError; replayed?: boolean }[] }
    ).results;
    const retry: Waiting[] = [];
    let waitMs = 0;
    let rounds = 0;
    carried.forEach((entry, j) => {
      const result = results[j];
      if (result?.ok === true) {
        entry.resolve({
          ok: true,
          value: result.value,
          replayed: result.replayed === true,
          attempts: entry.attempts,
        });
        return;
      }
      const error: CallError = result?.error ?? {
        code: 'upstream_contract_violation',
        retryable: false,
        message: `${this.name}.${queue.tool.name} answered no result for this item`,
      };
      this.stats.errors[error.code] = (this.stats.errors[error.code] ?? 0) + 1;
      if (error.code === 'rate_limited' && error.retry_after_ms !== undefined) {
        this.bucket.pauseUntil(Date.now() + error.retry_after_ms);
      }
      if (error.retryable && canRetry(entry)) {
        this.#budget.spend();
        this.stats.retries++;
        retry.push(entry);
        waitMs = Math.max(waitMs, error.retry_after_ms ?? 0);
        rounds = Math.max(rounds, entry.rounds);
        return;
      }
      fail(entry, error);
    });
    // The items one answer sends back wait out one delay together, so they go out together again.
    if (retry.length > 0) this.#later(queue, retry, this.#backoff.delayMs(rounds, waitMs));
  }

  #later(queue: BatchQueue, entries: Waiting[], delayMs: number): void {
    if (entries.length === 0) return;
    setTimeout(() => {
      queue.entries.push(...entries);
      this.#open(queue);
    }, delayMs);
  }
}

/** An item waiting in a batch queue: how many calls it took so far, and how to answer its caller. */
interface Waiting {
  item: unknown;
  /** The async context of the callBatch call that brought it. */
  caller: AsyncResource;
  attempts: number;
  rounds: number;
  resolve: (outcome: ItemOutcome) => void;
}

/** One batch tool's items, waiting for a request to take them (see `callBatch`). */
interface BatchQueue {
  tool: AnyToolContract;
  max: number;
  entries: Waiting[];
  /** A request is waiting for its slot and token; it takes the items when it has them. */
  opening: boolean;
  /** Requests of this tool sent (or about to be) and not answered yet. */
  inFlight: number;
}

/** The account an item is about: every batch tool the job calls takes a `domain` per item. */
function domainOf(item: unknown): string[] {
  const domain = (item as { domain?: unknown } | null)?.domain;
  return typeof domain === 'string' ? [domain] : [];
}

function fail(entry: Waiting, error: CallError): void {
  entry.resolve({ ok: false, error, attempts: entry.attempts });
}

function maxItemsOf(tool: AnyToolContract): number {
  const max = (tool as { maxItems?: unknown }).maxItems;
  return typeof max === 'number' && max > 0 ? max : Number.POSITIVE_INFINITY;
}

function notATool(server: string, name: string) {
  return {
    ok: false as const,
    attempts: 0,
    error: {
      code: 'protocol_error',
      retryable: false,
      message: `${server}.${name} is not a tool this job calls`,
    } satisfies CallError,
  };
}
