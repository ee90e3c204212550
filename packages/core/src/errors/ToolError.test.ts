import { describe, expect, it } from 'vitest';
import { ERROR_CODE_LIST, ERROR_CODES } from './codes.ts';
import {
  InternalError,
  isRetryable,
  isToolError,
  NotFoundError,
  RateLimitedError,
  ToolError,
  toToolError,
} from './ToolError.ts';

describe('ToolError', () => {
  it('takes retryable from the code table, for every code', () => {
    for (const code of ERROR_CODE_LIST) {
      expect(new ToolError(code, 'x').retryable).toBe(ERROR_CODES[code].retryable);
    }
    expect(ERROR_CODE_LIST.filter((code) => ERROR_CODES[code].retryable).sort()).toEqual(
      ['idempotency_in_progress', 'locked', 'rate_limited', 'timeout', 'upstream_unavailable'].sort(),
    );
  });

  it('gives each subclass its code, name and the standard hint unless one is given', () => {
    const error = new NotFoundError('No account acme.com');
    expect(error.code).toBe('not_found');
    expect(error.name).toBe('NotFoundError');
    expect(error.hint).toBe(ERROR_CODES.not_found.hint);
    expect(new NotFoundError('x', { hint: 'Try the domain' }).hint).toBe('Try the domain');
  });

  it('rounds retry_after_ms up and never below zero', () => {
    expect(new RateLimitedError('slow down', { retryAfterMs: 1200.2 }).retryAfterMs).toBe(1201);
    expect(new RateLimitedError('slow down', { retryAfterMs: -5 }).retryAfterMs).toBe(0);
  });
});

describe('isToolError', () => {
  it('recognises a ToolError and narrows by code', () => {
    const error: unknown = new RateLimitedError('slow down');
    expect(isToolError(error)).toBe(true);
    expect(isToolError(error, 'rate_limited')).toBe(true);
    expect(isToolError(error, 'not_found')).toBe(false);
    expect(isRetryable(error)).toBe(true);
  });

  it('recognises an error from another copy of the package by its brand, not instanceof', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('tollgate.ToolError')]: true,
      code: 'locked',
    });
    expect(foreign instanceof ToolError).toBe(false);
    expect(isToolError(foreign, 'locked')).toBe(true);
  });

  it('rejects look-alikes without the brand or with an unknown code', () => {
    expect(isToolError({ code: 'not_found', retryable: false })).toBe(false);
    expect(
      isToolError(Object.assign(new Error('x'), { [Symbol.for('tollgate.ToolError')]: true, code: 'nope' })),
    ).toBe(false);
    expect(isToolError(null)).toBe(false);
    expect(isRetryable(new Error('plain'))).toBe(false);
  });
});

describe('toToolError', () => {
  it('passes ToolErrors through unchanged', () => {
    const error = new NotFoundError('x');
    expect(toToolError(error, 'call-1')).toBe(error);
  });

  it('turns anything else into internal, hiding its message and keeping it as the cause', () => {
    const thrown = new Error('db password is hunter2hunter2');
    const error = toToolError(thrown, 'call-1');
    expect(error).toBeInstanceOf(InternalError);
    expect(error.code).toBe('internal');
    expect(error.message).not.toContain('hunter2');
    expect(error.details).toEqual({ call_id: 'call-1' });
    expect(error.cause).toBe(thrown);
    expect(toToolError('a string', 'c').code).toBe('internal');
  });
});
