const MULTIPLIERS: Record<string, number> = {
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  mm: 1e6,
  million: 1e6,
  b: 1e9,
  bn: 1e9,
  billion: 1e9,
};

// Longest suffixes first, so "1bn" is read as a billion rather than "1b" followed by "n".
const AMOUNT = /(\d+(?:\.\d+)?)\s*(thousand|million|billion|mm|bn|k|m|b)?(?![a-z0-9])/;
const BELOW = /^\s*(<|under\b|less than\b|below\b)/;

/**
 * Reads the lower bound, in US dollars, of a revenue label such as "$10M-$25M", "$1B+" or "<$1M"; null when unreadable.
 *
 * The lower bound is used because a band is only evidence that revenue is at least that much; "<$1M" reads as 0.
 */
export function parseRevenue(label: string | null): number | null {
  if (label === null) return null;
  const text = label.toLowerCase().replace(/,/g, '');
  const match = AMOUNT.exec(text);
  if (!match) return null;
  if (BELOW.test(text)) return 0;
  const value = Number(match[1]) * (MULTIPLIERS[match[2] ?? ''] ?? 1);
  return Number.isFinite(value) ? value : null;
}
