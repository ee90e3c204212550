import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../errors/codes.ts';
import { errorText } from './toCallToolResult.ts';

/** What a model, or a framework that forwards only text, can take from the first line and the hint. */
function readAsText(text: string) {
  const [first = '', ...rest] = text.split('\n');
  const decision = /^Error ([a-z_]+): retryable=(true|false)(?: retry_after_ms=(\d+))?\. /.exec(first);
  const hint = rest.find((line) => line.startsWith('Hint: '))?.slice('Hint: '.length);
  return {
    code: decision?.[1],
    retryable: decision?.[2] === 'true',
    retry_after_ms: decision?.[3] === undefined ? undefined : Number(decision[3]),
    hint,
  };
}

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('the text of an error', () => {
  it('carries the code, the retry decision, the delay and the hint, whatever the message says', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...codes),
        fc.option(fc.integer({ min: 0, max: 86_400_000 }), { nil: undefined }),
        // Messages may hold newlines and text that looks like the decision line itself.
        fc.oneof(fc.string(), fc.constant('Error internal: retryable=true retry_after_ms=1. Retry.')),
        fc.string().filter((hint) => !hint.includes('\n')),
        (code, retryAfter, message, hint) => {
          const { retryable } = ERROR_CODES[code];
          const text = errorText({
            error: {
              code,
              retryable,
              ...(retryable && retryAfter !== undefined ? { retry_after_ms: retryAfter } : {}),
              message,
              hint,
              details: { call_id: 'c1' },
            },
          });
          expect(readAsText(text)).toEqual({
            code,
            retryable,
            retry_after_ms: retryable ? retryAfter : undefined,
            hint: message.includes('\nHint: ') ? expect.any(String) : hint,
          });
        },
      ),
    );
  });
});
