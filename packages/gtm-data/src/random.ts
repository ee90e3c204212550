/** Anything a run can be seeded with: a number, or a string such as a run key. */
export type Seed = number | string;

/** z such that P(Z < z) = 0.99 for a standard normal; turns a p99 into a lognormal sigma. */
export const NORMAL_Z_99 = 2.3263478740408408;

/** Hashes seed parts into one 32-bit integer (FNV-1a over the parts, then a murmur3 finalizer). */
export function hashSeed(...parts: readonly Seed[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = typeof part === 'number' ? `n${part}` : `s${part}`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    // A separator, so ('ab', 'c') and ('a', 'bc') hash apart.
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A seeded pseudo-random generator (mulberry32): the same seed always gives the same sequence.
 * Extra keys name an independent sub-stream, so one consumer's draws never shift another's.
 *
 * @example
 * const rng = new Random(42, 'company', 17); // the stream for company 17 of run 42
 * rng.int(1, 10);
 */
export class Random {
  #state: number;

  constructor(seed: Seed, ...keys: readonly Seed[]) {
    this.#state = hashSeed(seed, ...keys);
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`int(${min}, ${max}) needs integers with min <= max`);
    }
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() needs a non-empty list');
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** True with probability `p`. Always draws one number, so `chance(0)` still advances the stream. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A normal sample (Box–Muller). Always draws two numbers. */
  normal(mean = 0, sd = 1): number {
    const u1 = 1 - this.float(); // (0, 1]: log(0) would be -Infinity
    const u2 = this.float();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A lognormal sample with the given median and 99th percentile, the usual shape of request latency. */
  lognormal(median: number, p99: number): number {
    if (!(median > 0) || p99 < median) throw new RangeError('lognormal() needs 0 < median <= p99');
    const sigma = Math.log(p99 / median) / NORMAL_Z_99;
    return Math.exp(Math.log(median) + sigma * this.normal());
  }
}
