// The demo companies (`@tollgate/gtm-data`), which the simulators serve, keep their own copy of these
// lists on purpose: the client and the stand-in for the vendor each state the vendor's contract, so
// a mistake in one is caught by the other, not shared.

/** People Data Labs' headcount bands, the closed set its `size` field takes. */
export const SIZE_BANDS = [
  '1-10',
  '11-50',
  '51-200',
  '201-500',
  '501-1000',
  '1001-5000',
  '5001-10000',
  '10001+',
] as const;
export type SizeBand = (typeof SIZE_BANDS)[number];

/** People Data Labs' annual revenue bands (USD), the closed set its `inferred_revenue` field takes. */
export const REVENUE_BANDS = [
  '$0-$1M',
  '$1M-$10M',
  '$10M-$25M',
  '$25M-$50M',
  '$50M-$100M',
  '$100M-$250M',
  '$250M-$500M',
  '$500M-$1B',
  '$1B-$10B',
  '$10B+',
] as const;
export type RevenueBand = (typeof REVENUE_BANDS)[number];
