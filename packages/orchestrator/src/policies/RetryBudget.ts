/**
 * A cap on retries that grows with the run: `minRetries` plus `ratio` of the calls made so far (a
 * retry budget in the manner of gRPC and Finagle). A degraded upstream can then add at most that
 * share of extra traffic, while a run of 5,000 accounts gets ten times the retries of a run of
 * 500 — a fixed number either starves big runs or lets small ones hammer a failing vendor.
 * Checked before a retry and spent when one happens; concurrent callers may overshoot it by at most
 * the number of calls in flight.
 */
export class RetryBudget {
  used = 0;
  calls = 0;

  constructor(
    readonly ratio: number,
    readonly minRetries: number,
  ) {}

  /** Retries allowed so far: grows as first attempts are made. */
  get limit(): number {
    return this.minRetries + Math.floor(this.ratio * this.calls);
  }

  get remaining(): number {
    return Math.max(0, this.limit - this.used);
  }

  /** A first attempt was made: the budget grows by `ratio`. */
  recordCall(): void {
    this.calls++;
  }

  spend(): void {
    this.used++;
  }
}
