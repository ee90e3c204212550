import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IssueSummary, unstorableStrings } from './input.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The walk as it was before its quick pre-check: every value and key looked at, paths built as it goes. */
function reference(value: unknown, path: string[] = [], found: IssueSummary[] = []): IssueSummary[] {
  if (found.length >= 10) return found;
  const where = () => (path.length === 0 ? '(root)' : path.join('.'));
  if (typeof value === 'string') {
    if (value.includes('\0')) found.push({ path: where(), message: 'Contains a NUL character (U+0000)' });
    else if (LONE_SURROGATE.test(value)) {
      found.push({
        path: where(),
        message: 'Contains an unpaired UTF-16 surrogate; send well-formed Unicode',
      });
    }
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) reference(item, [...path, String(index)], found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\0') || LONE_SURROGATE.test(key)) {
        found.push({
          path: [...path, JSON.stringify(key)].join('.'),
          message: 'A key that is not well-formed text',
        });
      } else reference(item, [...path, key], found);
    }
  }
  return found;
}

describe('unstorable strings in arguments', () => {
  it('names each NUL and unpaired surrogate, in values and keys, and passes well-formed text', () => {
    expect(
      unstorableStrings({ ok: 'plain 😀 text', list: ['a', 'b\u0000c'], deep: { x: 'a\uD800' } }),
    ).toEqual([
      { path: 'list.1', message: 'Contains a NUL character (U+0000)' },
      { path: 'deep.x', message: 'Contains an unpaired UTF-16 surrogate; send well-formed Unicode' },
    ]);
    expect(unstorableStrings({ 'k\uDC00': 1 })).toEqual([
      { path: '"k\\udc00"', message: 'A key that is not well-formed text' },
    ]);
    expect(unstorableStrings({ emoji: '😀', pair: '\uD83D\uDE00' })).toEqual([]);
  });

  it('finds exactly what the full walk finds, for any JSON value (property)', () => {
    const text = fc.oneof(
      fc.string(),
      fc.constantFrom('\u0000', '\uD800', '\uDC00', 'a\uD83D\uDE00b', '\uDE00\uD83D'),
      fc.tuple(fc.string(), fc.constantFrom('\u0000', '\uD800', '\uDFFF', '')).map(([a, b]) => a + b),
    );
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(text, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        expect(unstorableStrings(value)).toEqual(reference(value));
      }),
    );
  });
});
