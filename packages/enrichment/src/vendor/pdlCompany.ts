import * as z from 'zod';
import { REVENUE_BANDS, SIZE_BANDS } from '../bands.ts';

/**
 * The part of a People Data Labs company record this server relies on. PDL sends every field, with
 * `null` for what it does not know, so a field that is absent (not null) means the vendor changed its
 * shape: each key is required, and the record is refused rather than read half-valid.
 */
export const pdlCompanySchema = z.object({
  likelihood: z.number().int().min(1).max(10),
  name: z.string().nullable(),
  // Not listed in every PDL example, so its absence alone is not a shape change.
  display_name: z.string().nullable().optional(),
  size: z.enum(SIZE_BANDS).nullable(),
  employee_count: z.number().int().min(0).nullable(),
  founded: z.number().int().nullable(),
  industry: z.string().nullable(),
  inferred_revenue: z.enum(REVENUE_BANDS).nullable(),
  location: z
    .object({
      locality: z.string().nullable(),
      region: z.string().nullable(),
      country: z.string().nullable(),
    })
    .nullable(),
  tags: z.array(z.string()).nullable(),
  total_funding_raised: z.number().min(0).nullable(),
  latest_funding_stage: z.string().nullable(),
});

/** A validated PDL company match. */
export type PdlCompany = z.infer<typeof pdlCompanySchema>;

/** PDL's error body: `{ status, error: { type, message } }`. */
export const pdlErrorBodySchema = z.object({
  status: z.number().optional(),
  error: z.object({ type: z.string(), message: z.string().optional() }),
});
