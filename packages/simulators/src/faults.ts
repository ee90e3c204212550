import { NORMAL_Z_99, Random, type Seed } from '@tollgate/gtm-data';
import * as z from 'zod';

/**
 * Injected error kinds. Each simulator answers them in its vendor's own format; a kind a vendor
 * has no equivalent for (a record lock at an enrichment vendor) is ignored there.
 * - `rate_limit`: a 429 storm that has nothing to do with the caller's own pace.
 * - `server_error`: 502, 503 or 504, one picked per request.
 * - `lock`: the record is locked by another writer (writes only).
 * - `migration`: HubSpot's 477 "migration in progress" with `Retry-After`.
 */
export const ERROR_FAULT_KINDS = ['rate_limit', 'server_error', 'lock', 'migration'] as const;
export type ErrorFaultKind = (typeof ERROR_FAULT_KINDS)[number];

const probability = z.number().min(0).max(1);

const latencySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('fixed'), ms: z.number().min(0) }).strict(),
  z
    .object({
      kind: z.literal('lognormal'),
      medianMs: z.number().positive(),
      p99Ms: z.number().positive(),
      /** Samples are cut here, so one unlucky draw cannot stall a test for minutes. */
      maxMs: z.number().positive().default(30_000),
    })
    .strict()
    .refine((l) => l.p99Ms >= l.medianMs, { message: 'p99Ms must be at least medianMs' }),
]);

const outageSchema = z
  .object({
    /** Milliseconds after the simulator started. */
    startMs: z.number().min(0).default(0),
    /** Milliseconds after the simulator started; absent means "until the faults are reconfigured". */
    endMs: z.number().min(0).optional(),
  })
  .strict()
  .refine((o) => o.endMs === undefined || o.endMs > o.startMs, { message: 'endMs must be after startMs' });

/**
 * What goes wrong, and how often. Every field is optional; the default is a healthy vendor.
 *
 * @example
 * { errors: { rate_limit: 0.02, server_error: 0.05 }, latency: { kind: 'lognormal', medianMs: 40, p99Ms: 400 } }
 */
export const faultConfigSchema = z
  .object({
    /** Probability per request of each injected error; they are exclusive, so they may add up to 1 at most. */
    errors: z.partialRecord(z.enum(ERROR_FAULT_KINDS), probability).default({}),
    latency: latencySchema.default({ kind: 'none' }),
    /** Windows, relative to simulator start, in which every request gets a 503. */
    outages: z.array(outageSchema).default([]),
    /** Probability that a request is never processed nor answered: the socket stays open. */
    hang: probability.default(0),
    /** Probability that a request IS processed but its answer never arrives (a create that "timed out"). */
    lostResponse: probability.default(0),
    /** Probability that a successful answer comes back with a renamed or missing field; 1 is a switch. */
    shapeChange: probability.default(0),
    /** The `Retry-After` (seconds) sent with 477 and outage 503 answers. */
    retryAfterSeconds: z.number().int().min(0).default(1),
  })
  .strict()
  .refine((c) => Object.values(c.errors).reduce((sum: number, p) => sum + (p ?? 0), 0) <= 1, {
    message: 'error probabilities add up to more than 1',
    path: ['errors'],
  });

/** The fault configuration as written by a caller (every field optional). */
export type FaultConfigInput = z.input<typeof faultConfigSchema>;
/** The fault configuration with defaults filled in. */
export type FaultConfig = z.output<typeof faultConfigSchema>;

/** What happens to one request. `latencyMs` is spent before anything else. */
export type FaultDecision =
  | { action: 'outage' }
  | { action: 'hang'; latencyMs: number }
  | { action: 'error'; kind: ErrorFaultKind; latencyMs: number; variant: number }
  | { action: 'pass'; latencyMs: number; lostResponse: boolean; shapeChange: boolean };

function inOutage(config: FaultConfig, elapsedMs: number): boolean {
  return config.outages.some((o) => elapsedMs >= o.startMs && (o.endMs === undefined || elapsedMs < o.endMs));
}

/**
 * The fate of request number `index` (0-based) arriving `elapsedMs` after start. A pure function:
 * the same seed, index and config always decide the same, and every request draws the same
 * numbers whatever the config, so turning one fault on never reshuffles the others.
 */
export function decideFault(
  config: FaultConfig,
  seed: Seed,
  index: number,
  elapsedMs: number,
): FaultDecision {
  if (inOutage(config, elapsedMs)) return { action: 'outage' };
  const rng = new Random(seed, 'fault', index);
  const hang = rng.float();
  const error = rng.float();
  const variant = rng.float();
  const lost = rng.float();
  const shape = rng.float();
  const latencyMs = sampleLatency(config.latency, rng);
  if (hang < config.hang) return { action: 'hang', latencyMs };
  let threshold = 0;
  for (const kind of ERROR_FAULT_KINDS) {
    threshold += config.errors[kind] ?? 0;
    if (error < threshold) return { action: 'error', kind, latencyMs, variant };
  }
  return {
    action: 'pass',
    latencyMs,
    lostResponse: lost < config.lostResponse,
    shapeChange: shape < config.shapeChange,
  };
}

function sampleLatency(latency: FaultConfig['latency'], rng: Random): number {
  const z = rng.normal(); // drawn whatever the distribution, so the stream never shifts
  switch (latency.kind) {
    case 'none':
      return 0;
    case 'fixed':
      return latency.ms;
    case 'lognormal': {
      const sigma = Math.log(latency.p99Ms / latency.medianMs) / NORMAL_Z_99;
      return Math.min(latency.maxMs, Math.round(latency.medianMs * Math.exp(sigma * z)));
    }
  }
}

/** The per-run fault state: the current config, the start time and the request counter. */
export class FaultInjector {
  readonly #seed: Seed;
  readonly #startedAt: number;
  #config: FaultConfig;
  #requests = 0;

  constructor(seed: Seed, config: FaultConfigInput = {}, startedAt = Date.now()) {
    this.#seed = seed;
    this.#startedAt = startedAt;
    this.#config = faultConfigSchema.parse(config);
  }

  get config(): FaultConfig {
    return this.#config;
  }

  /** Milliseconds since the simulator started; outage windows are measured on this clock. */
  elapsedMs(now = Date.now()): number {
    return now - this.#startedAt;
  }

  /** Replaces the whole config (fields left out go back to their defaults); the request count goes on. */
  configure(input: unknown): { ok: true; config: FaultConfig } | { ok: false; error: z.ZodError } {
    const parsed = faultConfigSchema.safeParse(input);
    if (!parsed.success) return { ok: false, error: parsed.error };
    this.#config = parsed.data;
    return { ok: true, config: parsed.data };
  }

  /** Decides the next request's fate and counts it. */
  next(now = Date.now()): FaultDecision {
    return decideFault(this.#config, this.#seed, this.#requests++, this.elapsedMs(now));
  }
}
