import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_AFTER_MS,
  rateLimitRetryAfter,
  rateLimitWindows,
  retryAfterHeaderMs,
} from './retryAfter.ts';

const now = Date.parse('2026-11-23T10:00:00.000Z');

describe('rateLimitRetryAfter', () => {
  it('waits until x-ratelimit-reset, an ISO time', () => {
    const headers = new Headers({ 'x-ratelimit-reset': '2026-11-23T10:00:04.250Z', 'retry-after': '30' });
    expect(rateLimitRetryAfter(headers, now)).toEqual({ ms: 4250, from: 'x-ratelimit-reset' });
  });

  it('does not wait for a reset already past', () => {
    const headers = new Headers({ 'x-ratelimit-reset': '2026-11-23T09:59:59.000Z' });
    expect(rateLimitRetryAfter(headers, now).ms).toBe(0);
  });

  it('falls back to Retry-After seconds, then to one full window', () => {
    expect(
      rateLimitRetryAfter(new Headers({ 'x-ratelimit-reset': 'soon', 'retry-after': '7' }), now),
    ).toEqual({
      ms: 7000,
      from: 'retry-after',
    });
    expect(rateLimitRetryAfter(new Headers(), now)).toEqual({ ms: DEFAULT_RETRY_AFTER_MS, from: 'default' });
  });

  it('caps an implausibly distant reset at an hour', () => {
    const headers = new Headers({ 'x-ratelimit-reset': '2099-01-01T00:00:00Z' });
    expect(rateLimitRetryAfter(headers, now).ms).toBe(3_600_000);
  });
});

describe('retryAfterHeaderMs', () => {
  it('reads delta-seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(retryAfterHeaderMs(new Headers({ 'retry-after': '1.5' }), now)).toBe(1500);
    expect(retryAfterHeaderMs(new Headers({ 'retry-after': 'Mon, 23 Nov 2026 10:00:09 GMT' }), now)).toBe(
      9000,
    );
    expect(retryAfterHeaderMs(new Headers({ 'retry-after': 'later' }), now)).toBeUndefined();
    expect(retryAfterHeaderMs(new Headers(), now)).toBeUndefined();
  });
});

describe('rateLimitWindows', () => {
  it('reads PDL per-window JSON, a bare number, or nothing', () => {
    expect(rateLimitWindows('{"minute": 6}')).toEqual({ minute: 6 });
    expect(rateLimitWindows('100')).toEqual({ total: 100 });
    expect(rateLimitWindows('{"minute": "six"}')).toBeUndefined();
    expect(rateLimitWindows('not json')).toBeUndefined();
    expect(rateLimitWindows(null)).toBeUndefined();
  });
});
