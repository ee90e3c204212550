import type { Database } from '@tollgate/core/store';
import { type AccountSignals, accountSignalsSchema } from '../accountSignals.ts';

/** Seven days: firmographics change slowly, and every vendor match costs a credit. */
export const DEFAULT_CACHE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const storedSignalsSchema = accountSignalsSchema.omit({ cached: true });

/** What the cache holds for a domain: a fresh entry, or a reason to ask the vendor. */
export type CacheLookup =
  | { hit: true; signals: AccountSignals; ageMs: number }
  | { hit: false; reason: 'absent' | 'expired' | 'unreadable' };

/**
 * Vendor answers (matches and not-found alike) in the server's own database, keyed by normalized
 * domain. Errors are never stored: a failed lookup must be retried, not remembered.
 */
export class SignalCache {
  readonly #db: Database;
  readonly ttlMs: number;

  constructor(db: Database, ttlMs: number = DEFAULT_CACHE_TTL_MS) {
    this.#db = db;
    this.ttlMs = ttlMs;
  }

  /** The entry for `domain` if it is younger than the TTL at `now`. */
  async get(domain: string, now: number = Date.now()): Promise<CacheLookup> {
    return (await this.getMany([domain], now)).get(domain) as CacheLookup;
  }

  /** The entry of each domain, as `get` answers it, in one query. */
  async getMany(domains: readonly string[], now: number = Date.now()): Promise<Map<string, CacheLookup>> {
    const { rows } = await this.#db.query<{ domain: string; signals: unknown; fetched_at: unknown }>(
      'SELECT domain, signals, fetched_at FROM enrichment_cache WHERE domain = ANY($1::text[])',
      [[...new Set(domains)]],
    );
    const byDomain = new Map(rows.map((row) => [row.domain, row]));
    return new Map(domains.map((domain) => [domain, this.#lookup(byDomain.get(domain), now)]));
  }

  #lookup(row: { signals: unknown; fetched_at: unknown } | undefined, now: number): CacheLookup {
    if (row === undefined) return { hit: false, reason: 'absent' };
    const fetchedAt = toTime(row.fetched_at);
    const ageMs = now - fetchedAt;
    if (ageMs >= this.ttlMs) return { hit: false, reason: 'expired' };
    // A row written by an older version of this server may not fit today's schema; ask again.
    const parsed = storedSignalsSchema.safeParse(row.signals);
    if (!parsed.success) return { hit: false, reason: 'unreadable' };
    return { hit: true, signals: { ...parsed.data, cached: true }, ageMs: Math.max(0, ageMs) };
  }

  /** Stores (or replaces) the vendor's answer for its domain. */
  put(signals: AccountSignals): Promise<void> {
    return this.putMany([signals]);
  }

  /** Stores (or replaces) the vendor's answers, each for its domain, in one statement. */
  async putMany(many: readonly AccountSignals[]): Promise<void> {
    // One row per domain: ON CONFLICT cannot touch the same row twice in one statement.
    const byDomain = new Map(many.map(({ cached: _cached, ...stored }) => [stored.domain, stored]));
    if (byDomain.size === 0) return;
    const rows = [...byDomain.values()];
    await this.#db.query(
      `INSERT INTO enrichment_cache (domain, signals, fetched_at)
       SELECT * FROM unnest($1::text[], $2::jsonb[], $3::timestamptz[])
       ON CONFLICT (domain) DO UPDATE SET signals = EXCLUDED.signals, fetched_at = EXCLUDED.fetched_at`,
      [
        rows.map((stored) => stored.domain),
        rows.map((stored) => JSON.stringify(stored)),
        rows.map((stored) => stored.fetched_at),
      ],
    );
  }
}

function toTime(value: unknown): number {
  return value instanceof Date ? value.getTime() : Date.parse(String(value));
}
