import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ARGUMENT_LIMITS, boundValue, markUnknownKeys, UNKNOWN_KEY } from './recordBounds.ts';

describe('call record bounds', () => {
  it('keeps any JSON value within a fixed size, and leaves small values as they are (property)', () => {
    // The widest a bounded value can get: maxItems per level, maxDepth levels, maxString per leaf;
    // the generator stays far below that, so a bounded value must stay below a fixed line length.
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.string({ maxLength: 5000 }), (value, long) => {
        const bounded = boundValue([value, long], { maxString: 100, maxItems: 5, maxDepth: 4 });
        expect(JSON.stringify(bounded).length).toBeLessThan(60_000);
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        const small = JSON.stringify(value);
        fc.pre(small.length < 100 && !/"[^"]{100,}"/.test(small));
        expect(boundValue(value, ARGUMENT_LIMITS)).toEqual(value);
      }),
    );
  });

  it('marks each cut with what it left out', () => {
    const bounded = boundValue(
      { text: 'x'.repeat(1500), list: Array.from({ length: 60 }, (_, i) => i) },
      ARGUMENT_LIMITS,
    ) as {
      text: string;
      list: unknown[];
    };
    expect(bounded.text).toBe(`${'x'.repeat(1000)}…[cut 500 of 1500 chars]`);
    expect(bounded.list).toHaveLength(51);
    expect(bounded.list.at(-1)).toBe('[cut 10 of 60 items]');
  });

  it('marks keys the schema drops, through arrays and records, and keeps those a loose object uses', () => {
    const schema = z.object({
      items: z.array(z.object({ id: z.string() })),
      tags: z.record(z.string(), z.object({ on: z.boolean() })),
      loose: z.looseObject({ a: z.number() }),
      opt: z.object({ b: z.string() }).optional(),
    });
    const marked = markUnknownKeys(schema, {
      items: [{ id: '1', extra: 'x' }],
      tags: { t: { on: true, why: 'y' } },
      loose: { a: 1, kept: 2 },
      opt: { b: 'b', c: 'c' },
      top: 'secret-ish',
    });
    expect(marked.unknown).toEqual(['items[0].extra', 'tags.t.why', 'opt.c', 'top']);
    expect(marked.value).toEqual({
      items: [{ id: '1', extra: UNKNOWN_KEY }],
      tags: { t: { on: true, why: UNKNOWN_KEY } },
      loose: { a: 1, kept: 2 },
      opt: { b: 'b', c: UNKNOWN_KEY },
      top: UNKNOWN_KEY,
    });
  });
});
