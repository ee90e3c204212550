import * as z from 'zod';
import { REVENUE_BANDS, SIZE_BANDS } from './bands.ts';

/** What is known about a company; every field is null when the vendor does not know it. */
export const firmographicsSchema = z.object({
  name: z.string().nullable().describe('Company name as the vendor displays it, or null when unknown'),
  size: z
    .enum(SIZE_BANDS)
    .nullable()
    .describe('Headcount band, one of "1-10", "11-50", "51-200", … "10001+", or null when unknown'),
  employee_count: z
    .number()
    .int()
    .min(0)
    .nullable()
    .describe('Estimated number of employees, or null when unknown'),
  founded: z.number().int().nullable().describe('Year the company was founded, or null when unknown'),
  industry: z
    .string()
    .nullable()
    .describe('Industry in the vendor’s lower-case taxonomy, e.g. "computer software", or null'),
  inferred_revenue: z
    .enum(REVENUE_BANDS)
    .nullable()
    .describe('Estimated annual revenue band in USD, e.g. "$50M-$100M", or null when unknown'),
  country: z.string().nullable().describe('Country of the headquarters, lower-case, or null when unknown'),
  region: z.string().nullable().describe('State or region of the headquarters, lower-case, or null'),
  locality: z.string().nullable().describe('City of the headquarters, lower-case, or null when unknown'),
  tags: z
    .array(z.string())
    .nullable()
    .describe('Vendor keywords for the company; null when unknown, an empty list when it has none'),
  total_funding_raised: z
    .number()
    .min(0)
    .nullable()
    .describe('Total funding raised to date in USD, or null when unknown'),
  latest_funding_stage: z
    .string()
    .nullable()
    .describe('Latest funding round, e.g. "seed", "series_b", "ipo", or null when unknown'),
});
export type Firmographics = z.infer<typeof firmographicsSchema>;

/** The answer of get_account_signals: a match with partial firmographics, or a plain "not found". */
export const accountSignalsSchema = z.object({
  domain: z.string().describe('The normalized domain that was looked up, e.g. acme.com'),
  status: z
    .enum(['matched', 'not_found'])
    .describe('"matched" when the vendor knows the company; "not_found" (all firmographics null) otherwise'),
  firmographics: firmographicsSchema.describe(
    'Company facts; each field is null when unknown. Never guessed: treat null as missing data',
  ),
  confidence: z
    .number()
    .min(0)
    .max(1)
    .describe(
      'How sure the vendor is that this is the right company: likelihood 1-10 divided by 10; 0 when not found',
    ),
  source: z.literal('pdl').describe('Where the data came from: "pdl" (a People Data Labs-style vendor)'),
  fetched_at: z.iso.datetime().describe('When the vendor answered, ISO-8601 UTC; older than now when cached'),
  cached: z
    .boolean()
    .describe('True when this answer came from the server’s cache instead of a new vendor request'),
});

/** One company's signals as get_account_signals returns them. */
export type AccountSignals = z.infer<typeof accountSignalsSchema>;
