import type { IBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';
import type { CallOutcome } from '../servers/ServerConnection.ts';

/**
 * Capped exponential backoff with full jitter (a uniform wait in [0, min(cap, base·2^(n-1))]), which
 * spreads retries of many workers instead of synchronising them, and never shorter than the
 * `retry_after_ms` the server asked for.
 */
export class FullJitterBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  constructor(
    readonly baseMs: number,
    readonly capMs: number,
    readonly random: () => number = Math.random,
  ) {}

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    return { duration: this.delayMs(context.attempt, retryAfter(context)), next: (c) => this.next(c) };
  }

  /** The wait before retry number `attempt` (1 for the first), never shorter than `retryAfterMs`. */
  delayMs(attempt: number, retryAfterMs = 0): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.max(retryAfterMs, Math.floor(this.random() * ceiling));
  }
}

function retryAfter(context: IRetryBackoffContext<unknown>): number {
  const { result } = context;
  if (!('value' in result)) return 0;
  const outcome = result.value as CallOutcome;
  return !outcome.ok ? (outcome.error.retry_after_ms ?? 0) : 0;
}
