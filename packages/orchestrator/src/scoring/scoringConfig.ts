import { parseJsonSettings, readJsonSettingsFile } from '@tollgate/core/settings';
import * as z from 'zod';
import { normalizeLabel } from './normalizeLabel.ts';

/** Floating-point slack for "adds up to" checks, so 0.7 + 0.3 counts as 1. */
const EPSILON = 1e-9;

const points = z.number().min(0).max(100);
const share = z.number().min(0).max(1);

/** Bands on a number (employees, revenue): the points of the last band whose `min` the value reaches. */
const minBands = z
  .array(z.strictObject({ min: z.number().min(0), points }))
  .min(1)
  .superRefine((bands, ctx) => {
    bands.forEach((band, i) => {
      const previous = bands[i - 1];
      if (previous && band.min <= previous.min)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'min'],
          message: `must be greater than the previous band's min (${previous.min}); list bands in ascending order`,
        });
    });
  });

/** Tiers of labels (industries, countries): the points of the tier that lists the label, 0 for unlisted ones. */
const labelTiers = z
  .array(z.strictObject({ points, values: z.array(z.string().trim().min(1)).min(1) }))
  .superRefine((tiers, ctx) => {
    const seen = new Map<string, number>();
    tiers.forEach((tier, i) => {
      tier.values.forEach((value, j) => {
        const key = normalizeLabel(value);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else
          ctx.addIssue({
            code: 'custom',
            path: [i, 'values', j],
            message: `"${value}" is already listed in tier ${first}; a label belongs to one tier`,
          });
      });
    });
  });

/** A counted usage signal: `points_each` per unit, saturating at `max`. */
const counted = z.strictObject({ points_each: z.number().positive(), max: points });

const best = (values: number[]) => Math.max(0, ...values);

/** Both axes are out of 100, so each signal's points read directly as a share of its axis. */
function requireHundred(axis: string, maxima: Record<string, number>, ctx: z.RefinementCtx) {
  const total = Object.values(maxima).reduce((sum, value) => sum + value, 0);
  if (Math.abs(total - 100) > EPSILON) {
    const terms = Object.entries(maxima).map(([name, value]) => `${name} ${value}`);
    ctx.addIssue({
      code: 'custom',
      message: `the best possible ${axis} points must add up to 100 (${terms.join(' + ')} = ${total})`,
    });
  }
}

/** Weights, band thresholds and the fit and intent rubrics; `score.ts` documents how they combine. */
export const scoringConfigSchema = z.strictObject({
  $comment: z.string().optional(),
  weights: z.strictObject({ fit: share, intent: share }).superRefine((weights, ctx) => {
    const total = weights.fit + weights.intent;
    if (Math.abs(total - 1) > EPSILON)
      ctx.addIssue({ code: 'custom', message: `fit + intent must add up to 1 (got ${total})` });
  }),
  bands: z.strictObject({ hot: points, warm: points, nurture: points }).superRefine((bands, ctx) => {
    if (!(bands.hot > bands.warm && bands.warm > bands.nurture))
      ctx.addIssue({
        code: 'custom',
        message: `thresholds must descend: hot > warm > nurture (got ${bands.hot}, ${bands.warm}, ${bands.nurture})`,
      });
  }),
  /** Below either minimum an account is at most warm, whatever its score. */
  hot_minimum: z.strictObject({ fit: points, intent: points }),
  fit: z
    .strictObject({
      employee_count: minBands,
      industry: labelTiers,
      inferred_revenue_usd: minBands,
      latest_funding_stage: z.record(z.string().min(1), points),
      country: labelTiers,
    })
    .superRefine((fit, ctx) =>
      requireHundred(
        'fit',
        {
          employee_count: best(fit.employee_count.map((band) => band.points)),
          industry: best(fit.industry.map((tier) => tier.points)),
          inferred_revenue_usd: best(fit.inferred_revenue_usd.map((band) => band.points)),
          latest_funding_stage: best(Object.values(fit.latest_funding_stage)),
          country: best(fit.country.map((tier) => tier.points)),
        },
        ctx,
      ),
    ),
  /** Fit is multiplied by min_factor + (1 − min_factor) × min(1, confidence / full_at). */
  confidence: z.strictObject({ full_at: z.number().gt(0).max(1), min_factor: share }),
  intent: z
    .strictObject({
      active_users: counted,
      sessions: counted,
      pricing_page_views: counted,
      demo_requests: counted,
    })
    .superRefine((intent, ctx) =>
      requireHundred(
        'intent',
        Object.fromEntries(Object.entries(intent).map(([name, signal]) => [name, signal.max])),
        ctx,
      ),
    ),
  /** Intent is multiplied by 0.5^(days since active / half_life_days). */
  recency: z.strictObject({
    half_life_days: z.number().positive().max(365),
    /** Never-active accounts (or unknown dates) are treated as this many days old, not as active today. */
    assume_days_when_unknown: z.number().min(0),
  }),
  /** Without usage, an account with fewer known firmographics or a lower confidence than these is thin. */
  thin_data: z.strictObject({
    min_known_firmographics: z.number().int().min(0).max(5),
    min_confidence: share,
  }),
});

/** A validated scoring configuration. */
export type ScoringConfig = z.infer<typeof scoringConfigSchema>;

/** The shipped defaults, `packages/orchestrator/config/scoring.json`. */
export const DEFAULT_SCORING_CONFIG_PATH = new URL('../../config/scoring.json', import.meta.url);

/** Validates a parsed scoring config, throwing one error that names every bad field. */
export function parseScoringConfig(raw: unknown, source = '(given)'): ScoringConfig {
  return parseJsonSettings(raw, scoringConfigSchema, 'scoring config', source);
}

/** Reads and validates a scoring config file; the shipped defaults when no path is given. */
export function loadScoringConfig(path: string | URL = DEFAULT_SCORING_CONFIG_PATH): ScoringConfig {
  return readJsonSettingsFile(path, scoringConfigSchema, 'scoring config');
}
