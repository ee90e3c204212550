/** Normalizes a vendor label for matching, so "Series B", "series-b" and "series_b" are the same stage. */
export function normalizeLabel(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}
