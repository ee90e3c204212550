/**
 * A cap on retries across the whole run, so a degraded upstream cannot multiply the run's traffic.
 * Checked before a retry and spent when one happens; concurrent callers may overshoot it by at most
 * the number of calls in flight.
 */
export class RetryBudget {
  used = 0;

  constructor(readonly limit: number) {}

  get remaining(): number {
    return Math.max(0, this.limit - this.used);
  }

  spend(): void {
    this.used++;
  }
}
