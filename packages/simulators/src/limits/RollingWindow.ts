import type { LimitState } from './FixedWindow.ts';

/**
 * A rolling-window counter: at most `limit` requests in any `intervalMs` span, each admitted
 * request freeing its slot exactly `intervalMs` later (HubSpot's TEN_SECONDLY_ROLLING).
 */
export class RollingWindow {
  readonly limit: number;
  readonly intervalMs: number;
  // Admission times, oldest first; never longer than `limit`.
  readonly #admitted: number[] = [];

  constructor(limit: number, intervalMs: number) {
    if (!(limit >= 0) || !(intervalMs > 0)) {
      throw new RangeError('RollingWindow needs limit >= 0 and intervalMs > 0');
    }
    this.limit = limit;
    this.intervalMs = intervalMs;
  }

  /** Counts one request if the window has room. */
  take(now = Date.now()): LimitState {
    this.#expire(now);
    const allowed = this.#admitted.length < this.limit;
    if (allowed) this.#admitted.push(now);
    return { ...this.#state(now), allowed };
  }

  /** The state without counting anything. */
  peek(now = Date.now()): LimitState {
    this.#expire(now);
    return { ...this.#state(now), allowed: this.#admitted.length < this.limit };
  }

  #expire(now: number): void {
    while (this.#admitted.length > 0 && (this.#admitted[0] as number) <= now - this.intervalMs) {
      this.#admitted.shift();
    }
  }

  #state(now: number): Omit<LimitState, 'allowed'> {
    const oldest = this.#admitted[0];
    return {
      limit: this.limit,
      remaining: Math.max(0, this.limit - this.#admitted.length),
      resetAt: oldest === undefined ? now : oldest + this.intervalMs,
    };
  }
}
