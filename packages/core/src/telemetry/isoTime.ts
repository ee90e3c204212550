let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * The ISO-8601 form of an epoch-milliseconds time, as `Date#toISOString` gives it. The
 * `YYYY-MM-DDTHH:MM:SS.` part is computed once per second: formatting a Date is a large share of
 * the cost of a call record, and records come many per second.
 */
export function isoTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, -4);
  }
  const ms = epochMs - second * 1000;
  return `${cachedPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/** A pino timestamp function: `,"time":"<ISO-8601>"`. */
export const pinoIsoTime = (): string => `,"time":"${isoTime(Date.now())}"`;
