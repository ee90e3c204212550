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

describe('call record bounds, compiled once per schema', () => {
  it('gives back the arguments themselves when nothing is unknown or cut, and copies only what changes', () => {
    const schema = z.object({ items: z.array(z.object({ id: z.string() })), name: z.string() });
    const args = { items: [{ id: '1' }, { id: '2' }], name: 'n' };
    const marked = markUnknownKeys(schema, args);
    expect(marked.value).toBe(args);
    expect(marked.unknown).toEqual([]);
    expect(boundValue(args, ARGUMENT_LIMITS)).toBe(args);

    const withExtra = { items: [{ id: '1' }, { id: '2', extra: 'x' }], name: 'n' };
    const changed = markUnknownKeys(schema, withExtra).value as typeof withExtra;
    expect(changed).toEqual({ items: [{ id: '1' }, { id: '2', extra: UNKNOWN_KEY }], name: 'n' });
    expect(changed.items[0]).toBe(withExtra.items[0]);
    expect(withExtra.items[1]?.extra).toBe('x');
  });

  it('follows a recursive schema, and never keeps the value of an unknown key named __proto__', () => {
    type Node = { name: string; children: Node[] };
    const node: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(node) }));
    const marked = markUnknownKeys(node, {
      name: 'a',
      children: [{ name: 'b', children: [{ name: 'c', children: [], extra: 1 }] }],
    });
    expect(marked.unknown).toEqual(['children[0].children[0].extra']);

    const hostile = JSON.parse('{"name":"a","children":[],"__proto__":{"polluted":"value"}}');
    const result = markUnknownKeys(node, hostile);
    expect(result.unknown).toEqual(['__proto__']);
    expect(JSON.stringify(boundValue(result.value, ARGUMENT_LIMITS))).not.toContain('polluted');
  });
});
