import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from './isoTime.ts';

describe('isoTime', () => {
  it('formats exactly like Date#toISOString, in any order of calls', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 8_000_000_000_000 }), { minLength: 1 }), (times) => {
        for (const t of times) expect(isoTime(t)).toBe(new Date(t).toISOString());
      }),
    );
  });

  it('gets milliseconds right within one cached second', () => {
    const base = Date.UTC(2026, 10, 23, 21, 0, 5);
    for (const ms of [0, 7, 42, 999]) expect(isoTime(base + ms)).toBe(new Date(base + ms).toISOString());
  });
});
