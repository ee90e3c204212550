import { describe, expect, it } from 'vitest';
import { hashSeed, Random } from './random.ts';

const draw = (rng: Random, n: number) => Array.from({ length: n }, () => rng.float());

describe('Random', () => {
  it('repeats the same sequence for the same seed and keys', () => {
    expect(draw(new Random(42, 'a', 1), 50)).toEqual(draw(new Random(42, 'a', 1), 50));
  });

  it('gives a different sequence for another seed or another key', () => {
    const base = draw(new Random(42, 'a', 1), 10);
    expect(draw(new Random(43, 'a', 1), 10)).not.toEqual(base);
    expect(draw(new Random(42, 'a', 2), 10)).not.toEqual(base);
    expect(draw(new Random('42', 'a', 1), 10)).not.toEqual(base);
  });

  it('keeps separated key parts apart when hashing', () => {
    expect(hashSeed('ab', 'c')).not.toBe(hashSeed('a', 'bc'));
  });

  it('keeps floats in [0, 1) and ints within their inclusive bounds', () => {
    const rng = new Random(7);
    const ints = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const f = rng.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      ints.add(rng.int(3, 6));
    }
    expect([...ints].sort()).toEqual([3, 4, 5, 6]);
  });

  it('hits a chance close to its probability', () => {
    const rng = new Random(11);
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (rng.chance(0.2)) hits++;
    expect(hits / 20_000).toBeCloseTo(0.2, 1);
  });

  it('draws lognormal samples around the given median and p99', () => {
    const rng = new Random(5);
    const samples = Array.from({ length: 20_000 }, () => rng.lognormal(40, 400)).sort((a, b) => a - b);
    expect(samples[10_000]).toBeGreaterThan(36);
    expect(samples[10_000]).toBeLessThan(44);
    expect(samples[19_800]).toBeGreaterThan(340);
    expect(samples[19_800]).toBeLessThan(470);
  });

  it('refuses impossible ranges', () => {
    const rng = new Random(1);
    expect(() => rng.int(5, 4)).toThrow(RangeError);
    expect(() => rng.pick([])).toThrow(RangeError);
    expect(() => rng.lognormal(10, 5)).toThrow(RangeError);
  });
});
