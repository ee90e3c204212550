import { Random, type Seed } from '@tollgate/gtm-data';
import type { SimResponse } from '../http/exchange.ts';

/** The `category` values this simulator answers with. */
export type HubSpotCategory =
  | 'VALIDATION_ERROR'
  | 'CONFLICT'
  | 'OBJECT_NOT_FOUND'
  | 'INVALID_AUTHENTICATION'
  | 'EXPIRED_AUTHENTICATION'
  | 'RATE_LIMITS'
  | 'LOCKED'
  | 'MIGRATION_IN_PROGRESS';

/** Extra envelope fields: `errors`, `context`, `policyName` and the like. */
export type EnvelopeExtra = Record<string, unknown>;

/** Builds HubSpot error envelopes with deterministic correlation ids (one stream per seed). */
export class HubSpotErrors {
  readonly #seed: Seed;
  #count = 0;

  constructor(seed: Seed) {
    this.#seed = seed;
  }

  /** A fresh correlation id, shaped like HubSpot's UUIDs. */
  correlationId(): string {
    const rng = new Random(this.#seed, 'correlation', this.#count++);
    const hex = Array.from({ length: 4 }, () => rng.nextUint32().toString(16).padStart(8, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** `{ status: "error", message, correlationId, category, ...extra }`. */
  envelope(category: HubSpotCategory, message: string, extra: EnvelopeExtra = {}): Record<string, unknown> {
    return { status: 'error', message, correlationId: this.correlationId(), category, ...extra };
  }

  response(
    status: number,
    category: HubSpotCategory,
    message: string,
    extra: EnvelopeExtra = {},
    headers?: Record<string, string>,
  ): SimResponse {
    return { status, body: this.envelope(category, message, extra), ...(headers ? { headers } : {}) };
  }

  /** A 429 for one of HubSpot's policies (`TEN_SECONDLY_ROLLING`, `DAILY`, `SECONDLY` for search). */
  rateLimited(
    policyName: 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY',
    headers?: Record<string, string>,
  ): SimResponse {
    return this.response(
      429,
      'RATE_LIMITS',
      `You have reached your ${policyName.toLowerCase()} limit.`,
      { errorType: 'RATE_LIMIT', policyName },
      headers,
    );
  }
}
