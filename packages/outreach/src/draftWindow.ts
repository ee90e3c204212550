const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How long a lead's draft in a sequence answers for a new one, unless configured: a week. Long enough
 * that an on-call engineer's re-run (after midnight, after a weekend, under a new run key) writes no
 * second draft; short enough that a lead who still qualifies a week later, and whose draft nobody
 * used, gets a fresh one written from newer data.
 */
export const DEFAULT_DRAFT_WINDOW_DAYS = 7;

/** The window in milliseconds, from days. */
export const draftWindowMs = (days: number): number => days * DAY_MS;

/** "7 days", "1 day", "0.5 days": the window as the tool's description states it. */
export function describeDraftWindow(windowMs: number): string {
  const days = Number((windowMs / DAY_MS).toFixed(2));
  return `${days} ${days === 1 ? 'day' : 'days'}`;
}
