import { ERROR_FAULT_KINDS, type ErrorFaultKind } from './faults.ts';

/** What a simulator has seen and done since it started; admin requests are not counted. */
export interface TrafficStats {
  uptimeMs: number;
  /** Vendor requests received. */
  requests: number;
  /** Answers actually sent, by HTTP status. Hangs and lost responses send none. */
  byStatus: Record<string, number>;
  /** 429 answers, from real limits and injected storms alike. */
  rateLimited: number;
  /** 503 answers given because an outage window was open. */
  outages: number;
  /** Requests left hanging without being processed. */
  hangs: number;
  /** Requests processed whose answer was never sent. */
  lostResponses: number;
  /** Injected errors answered, by kind. */
  injected: Record<ErrorFaultKind, number>;
  /** Successful answers sent with a changed shape. */
  shapeChanges: number;
}

/** Mutable counters behind {@link TrafficStats}. */
export class TrafficCounter {
  readonly #startedAt: number;
  requests = 0;
  outages = 0;
  hangs = 0;
  lostResponses = 0;
  shapeChanges = 0;
  readonly #byStatus = new Map<number, number>();
  readonly #injected = new Map<ErrorFaultKind, number>();

  constructor(startedAt: number) {
    this.#startedAt = startedAt;
  }

  sent(status: number): void {
    this.#byStatus.set(status, (this.#byStatus.get(status) ?? 0) + 1);
  }

  injected(kind: ErrorFaultKind): void {
    this.#injected.set(kind, (this.#injected.get(kind) ?? 0) + 1);
  }

  snapshot(now = Date.now()): TrafficStats {
    const byStatus: Record<string, number> = {};
    for (const [status, count] of [...this.#byStatus].sort(([a], [b]) => a - b)) byStatus[status] = count;
    const injected = Object.fromEntries(ERROR_FAULT_KINDS.map((k) => [k, this.#injected.get(k) ?? 0]));
    return {
      uptimeMs: now - this.#startedAt,
      requests: this.requests,
      byStatus,
      rateLimited: this.#byStatus.get(429) ?? 0,
      outages: this.outages,
      hangs: this.hangs,
      lostResponses: this.lostResponses,
      injected: injected as Record<ErrorFaultKind, number>,
      shapeChanges: this.shapeChanges,
    };
  }
}
