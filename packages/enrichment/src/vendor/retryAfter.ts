/** One PDL rate-limit window: without a usable header, waiting that long is always enough. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

// A reset further out than this is a bad header (or clock), not a per-minute window.
const MAX_RETRY_AFTER_MS = 60 * 60_000;

export interface RetryAfter {
  ms: number;
  /** Which header the wait came from, for the error's details. */
  from: 'x-ratelimit-reset' | 'retry-after' | 'default';
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterHeaderMs(headers: Headers, now: number = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return clamp(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : clamp(at - now);
}

/**
 * How long to wait after a 429: until `x-ratelimit-reset` (an ISO-8601 time, as PDL sends it), else
 * `Retry-After`, else one full window.
 */
export function rateLimitRetryAfter(headers: Headers, now: number = Date.now()): RetryAfter {
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (reset) {
    const at = Date.parse(reset);
    if (!Number.isNaN(at)) return { ms: clamp(at - now), from: 'x-ratelimit-reset' };
  }
  const retryAfter = retryAfterHeaderMs(headers, now);
  if (retryAfter !== undefined) return { ms: retryAfter, from: 'retry-after' };
  return { ms: DEFAULT_RETRY_AFTER_MS, from: 'default' };
}

/**
 * PDL's `x-ratelimit-limit` / `-remaining` are per-window JSON (`{"minute": 6}`), not bare numbers;
 * read them as sent, or undefined when unreadable, so a caller can pace itself.
 */
export function rateLimitWindows(value: string | null): Record<string, number> | undefined {
  if (value === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'number') return { total: parsed };
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const windows = Object.entries(parsed).filter(
      (entry): entry is [string, number] => typeof entry[1] === 'number',
    );
    return windows.length > 0 ? Object.fromEntries(windows) : undefined;
  } catch {
    return undefined;
  }
}

function clamp(ms: number): number {
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(ms)));
}
