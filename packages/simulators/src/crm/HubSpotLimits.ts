import type { SimResponse } from '../http/exchange.ts';
import { FixedWindow } from '../limits/FixedWindow.ts';
import { RollingWindow } from '../limits/RollingWindow.ts';
import type { HubSpotErrors } from './hubspotErrors.ts';

export interface HubSpotLimitOptions {
  /** The private-app burst limit: `max` requests per rolling `intervalMs`. */
  rolling: { max: number; intervalMs: number };
  /** The daily cap; `periodMs` stands in for "until the account's midnight" and starts at simulator start. */
  daily: { max: number; periodMs: number };
  /** The search endpoints' own limit (5 per second). */
  search: { max: number; intervalMs: number };
}

export interface HubSpotLimitStats {
  daily: { limit: number; used: number; remaining: number };
  tenSecondlyRemaining: number;
}

/**
 * HubSpot's three limits. A request is counted against all that apply only when none refuses it,
 * so a 429 costs no quota. Search requests count against the rolling and daily limits too: HubSpot
 * does not say otherwise, and the stricter reading makes 429 storms easier to reproduce.
 */
export class HubSpotLimits {
  readonly #rolling: RollingWindow;
  readonly #daily: FixedWindow;
  readonly #search: RollingWindow;
  readonly #errors: HubSpotErrors;
  readonly #intervalMs: number;

  constructor(options: HubSpotLimitOptions, errors: HubSpotErrors, origin = Date.now()) {
    this.#rolling = new RollingWindow(options.rolling.max, options.rolling.intervalMs);
    this.#daily = new FixedWindow(options.daily.max, options.daily.periodMs, origin);
    this.#search = new RollingWindow(options.search.max, options.search.intervalMs);
    this.#errors = errors;
    this.#intervalMs = options.rolling.intervalMs;
  }

  /** Undefined when the request may go ahead (and is now counted), else the 429 to send. */
  admit(isSearch: boolean, now = Date.now()): SimResponse | undefined {
    // DAILY first: a client that sees it must stop for the day, whatever the burst state.
    if (!this.#daily.peek(now).allowed) return this.#errors.rateLimited('DAILY');
    if (!this.#rolling.peek(now).allowed) return this.#errors.rateLimited('TEN_SECONDLY_ROLLING');
    if (isSearch && !this.#search.peek(now).allowed) return this.#errors.rateLimited('SECONDLY');
    this.#daily.take(now);
    this.#rolling.take(now);
    if (isSearch) this.#search.take(now);
    return undefined;
  }

  /** The `X-HubSpot-RateLimit-*` headers, sent on every response. */
  headers(now = Date.now()): Record<string, string> {
    const rolling = this.#rolling.peek(now);
    const daily = this.#daily.peek(now);
    return {
      'X-HubSpot-RateLimit-Max': String(rolling.limit),
      'X-HubSpot-RateLimit-Remaining': String(rolling.remaining),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.#intervalMs),
      'X-HubSpot-RateLimit-Daily': String(daily.limit),
      'X-HubSpot-RateLimit-Daily-Remaining': String(daily.remaining),
    };
  }

  stats(now = Date.now()): HubSpotLimitStats {
    const daily = this.#daily.peek(now);
    return {
      daily: { limit: daily.limit, used: daily.limit - daily.remaining, remaining: daily.remaining },
      tenSecondlyRemaining: this.#rolling.peek(now).remaining,
    };
  }
}
