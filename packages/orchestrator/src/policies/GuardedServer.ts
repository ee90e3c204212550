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
    if (tool === undefined) {
      return {
        ok: false,
        attempts: 0,
        error: {
          code: 'protocol_error',
          retryable: false,
          message: `${this.name}.${name} is not a tool this job calls`,
        },
      };
    }
    let attempts = 0;
    try {
      // Bound to this call's async context: cockatiel's bulkhead starts a queued call from the
      // call that frees its slot, which would otherwise put this account's spans in another's trace.
      const outcome = await this.#policy.execute(
        AsyncResource.bind(async ({ attempt }: IRetryContext) => {
          attempts = attempt + 1;
          if (attempt === 0) this.#budget.recordCall();
          await this.bucket.take();
          this.stats.calls++;
          const outcome = await this.#connection.call<T[N]>(tool, args, {
            attempt: attempt + 1,
            timeoutMs: this.#options.callTimeoutMs,
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
   * Calls a batch tool on many items and retries only the items that failed retryably, up to
   * `maxAttempts` calls each, after a full-jitter wait no shorter than any retry delay they were
   * given. Items are never sent twice once answered, so a retried batch create replays nothing and
   * makes nothing twice. A failure of the whole call (after its own retries) is every item's answer.
   * The retry budget grows with the items, as it would with single calls.
   */
  async callBatch<N extends BatchName<T>>(
    name: N,
    items: readonly ItemOf<T, N>[],
    limit = Number.POSITIVE_INFINITY,
  ): Promise<ItemOutcome<ValueOf<T, N>>[]> {
    const outcomes: ItemOutcome<ValueOf<T, N>>[] = new Array(items.length);
    for (let start = 0; start < items.length; start += Math.min(limit, items.length)) {
      const chunk = items.slice(start, start + limit);
      const answered = await this.#batchOnce(name, chunk);
      answered.forEach((outcome, i) => {
        outcomes[start + i] = outcome;
      });
    }
    return outcomes;
  }

  async #batchOnce<N extends BatchName<T>>(
    name: N,
    items: readonly ItemOf<T, N>[],
  ): Promise<ItemOutcome<ValueOf<T, N>>[]> {
    type Item = ItemOutcome<ValueOf<T, N>>;
    const outcomes: Item[] = new Array(items.length);
    // One call stands for many: the budget grows as if each item had been called alone.
    for (let i = 1; i < items.length; i++) this.#budget.recordCall();
    let pending = items.map((_, index) => index);
    for (let round = 1; pending.length > 0; round++) {
      // The items are the batch tool's own item type (ItemOf), so this is its argument shape.
      const args = { items: pending.map((i) => items[i]) } as unknown as ToolArguments<T[N]>;
      const call = await this.call(name, args);
      if (!call.ok) {
        // An open breaker fails the call before it is sent. A page is a hundred accounts: rather
        // than degrade them all on a short outage, wait for the breaker's probe and send it again.
        if (
          call.error.code === 'circuit_open' &&
          round < this.#options.maxAttempts &&
          this.#budget.remaining > 0
        ) {
          this.#budget.spend();
          this.stats.retries++;
          const random = (this.#options.random ?? Math.random)();
          await new Promise((resolve) =>
            setTimeout(resolve, Math.round(this.#options.breakerHalfOpenAfterMs * (0.5 + random))),
          );
          continue;
        }
        for (const i of pending)
          outcomes[i] = {
            ok: false,
            error: call.error,
            attempts: (outcomes[i]?.attempts ?? 0) + call.attempts,
          };
        break;
      }
      const results = (
        call.value as { results: { ok: boolean; value?: unknown; error?: CallError; replayed?: boolean }[] }
      ).results;
      const retry: number[] = [];
      let waitMs = 0;
      pending.forEach((i, j) => {
        const result = results[j];
        const attempts = (outcomes[i]?.attempts ?? 0) + call.attempts;
        if (result?.ok === true) {
          outcomes[i] = {
            ok: true,
            value: result.value as ValueOf<T, N>,
            replayed: result.replayed === true,
            attempts,
          };
          return;
        }
        const error: CallError = result?.error ?? {
          code: 'upstream_contract_violation',
          retryable: false,
          message: `${this.name}.${name} answered no result for this item`,
        };
        outcomes[i] = { ok: false, error, attempts };
        this.stats.errors[error.code] = (this.stats.errors[error.code] ?? 0) + 1;
        if (error.code === 'rate_limited' && error.retry_after_ms !== undefined) {
          this.bucket.pauseUntil(Date.now() + error.retry_after_ms);
        }
        if (error.retryable && round < this.#options.maxAttempts && this.#budget.remaining > 0) {
          this.#budget.spend();
          this.stats.retries++;
          retry.push(i);
          waitMs = Math.max(waitMs, error.retry_after_ms ?? 0);
        }
      });
      pending = retry;
      if (pending.length > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.#backoff.delayMs(round, waitMs)));
      }
    }
    return outcomes;
  }
}
