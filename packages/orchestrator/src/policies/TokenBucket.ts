/**
 * Client-side pacing: at most `ratePerSecond` calls on average, with bursts up to `burst`. A token
 * bucket refills continuously, so it also stays under a rolling window (HubSpot's 10-second limit)
 * where a fixed-window counter would let two bursts meet at a window edge. cockatiel has no rate
 * limiter; this is the small piece it leaves out.
 */
export class TokenBucket {
  #rate: number;
  readonly #burst: number;
  #tokens: number;
  #updated: number;
  #pausedUntil = 0;
  #queue: Promise<void> = Promise.resolve();
  readonly #now: () => number;

  constructor(
    ratePerSecond: number,
    burst = Math.max(1, Math.ceil(ratePerSecond)),
    now: () => number = Date.now,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#tokens = burst;
    this.#now = now;
    this.#updated = now();
  }

  get ratePerSecond(): number {
    return this.#rate;
  }

  /** Waits for a token. Callers are served in order. */
  take(): Promise<void> {
    const turn = this.#queue.then(() => this.#wait());
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** An upstream said "not before then": nobody takes a token until that time. */
  pauseUntil(epochMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, epochMs);
    this.#tokens = Math.min(this.#tokens, 0);
  }

  /** Slows down after repeated rate limiting; never below `floor` calls per second. */
  slowDown(factor: number, floor: number): void {
    this.#refill();
    this.#rate = Math.max(floor, this.#rate * factor);
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updated) / 1000) * this.#rate);
    this.#updated = now;
  }

  async #wait(): Promise<void> {
    for (;;) {
      const now = this.#now();
      if (now < this.#pausedUntil) {
        await sleep(this.#pausedUntil - now);
        this.#updated = Math.max(this.#updated, this.#pausedUntil);
        continue;
      }
      this.#refill();
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.#tokens) / this.#rate) * 1000));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
