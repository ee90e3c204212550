/** The state of a limit after one request was offered to it. */
export interface LimitState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch milliseconds at which a refused request could next succeed. */
  resetAt: number;
}

/**
 * A fixed-window counter: at most `limit` requests per window, windows aligned to `origin`, the
 * count dropping to zero at each boundary (so a burst at the end of one window and another at the
 * start of the next both pass, as with People Data Labs).
 */
export class FixedWindow {
  readonly limit: number;
  readonly windowMs: number;
  readonly #origin: number;
  #window = Number.NaN;
  #used = 0;

  constructor(limit: number, windowMs: number, origin: number) {
    if (!(limit >= 0) || !(windowMs > 0)) {
      throw new RangeError('FixedWindow needs limit >= 0 and windowMs > 0');
    }
    this.limit = limit;
    this.windowMs = windowMs;
    this.#origin = origin;
  }

  /** Counts one request if the window has room. */
  take(now = Date.now()): LimitState {
    this.#roll(now);
    const allowed = this.#used < this.limit;
    if (allowed) this.#used++;
    return { ...this.#state(), allowed };
  }

  /** The state without counting anything. */
  peek(now = Date.now()): LimitState {
    this.#roll(now);
    return { ...this.#state(), allowed: this.#used < this.limit };
  }

  #roll(now: number): void {
    const window = Math.floor((now - this.#origin) / this.windowMs);
    if (window !== this.#window) {
      this.#window = window;
      this.#used = 0;
    }
  }

  #state(): Omit<LimitState, 'allowed'> {
    return {
      limit: this.limit,
      remaining: Math.max(0, this.limit - this.#used),
      resetAt: this.#origin + (this.#window + 1) * this.windowMs,
    };
  }
}
