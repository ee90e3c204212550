import { normalizeLabel } from './normalizeLabel.ts';
import { parseRevenue } from './parseRevenue.ts';
import type { ScoringConfig } from './scoringConfig.ts';
import type { ScoreBand, ScoreResult, ScoringInput } from './types.ts';

type Usage = NonNullable<ScoringInput['usage']>;
type Bands = ScoringConfig['fit']['employee_count'];
type Tiers = ScoringConfig['fit']['industry'];

/** A count from the warehouse: garbage (NaN, negative) counts as none; Infinity simply saturates. */
const countOf = (value: number) => (Number.isNaN(value) || value < 0 ? 0 : value);

/** A known, usable number, or null: the scorer treats NaN or a negative value as unknown, never as zero. */
const knownNumber = (value: number | null) =>
  value === null || Number.isNaN(value) || value < 0 ? null : value;

/** A known, non-empty label, normalized for matching. */
const knownLabel = (value: string | null) =>
  value === null || value.trim() === '' ? null : normalizeLabel(value);

function bandPoints(bands: Bands, value: number | null): number {
  if (value === null) return 0;
  let result = 0;
  for (const band of bands) if (value >= band.min) result = band.points;
  return result;
}

function tierPoints(tiers: Tiers, label: string | null): number {
  if (label === null) return 0;
  const tier = tiers.find((candidate) => candidate.values.some((value) => normalizeLabel(value) === label));
  return tier?.points ?? 0;
}

// Entries, not indexing: a stage called "constructor" must not reach Object.prototype.
function stagePoints(stages: Record<string, number>, label: string | null): number {
  if (label === null) return 0;
  const entry = Object.entries(stages).find(([stage]) => normalizeLabel(stage) === label);
  return entry?.[1] ?? 0;
}

const saturate = (count: number, signal: { points_each: number; max: number }) =>
  Math.min(signal.max, count * signal.points_each);

function confidenceFactor(confidence: number, config: ScoringConfig['confidence']): number {
  const trust = Number.isNaN(confidence) ? 0 : Math.min(1, Math.max(0, confidence) / config.full_at);
  return config.min_factor + (1 - config.min_factor) * trust;
}

function recencyFactor(usage: Usage, config: ScoringConfig['recency']): number {
  const raw = usage.days_since_active;
  const days = raw === null || Number.isNaN(raw) ? config.assume_days_when_unknown : Math.max(0, raw);
  return 0.5 ** (days / config.half_life_days);
}

function bandOf(score: number, fit: number, intent: number, config: ScoringConfig): ScoreBand {
  const { bands, hot_minimum } = config;
  if (score >= bands.hot) return fit >= hot_minimum.fit && intent >= hot_minimum.intent ? 'hot' : 'warm';
  if (score >= bands.warm) return 'warm';
  if (score >= bands.nurture) return 'nurture';
  return 'cold';
}

const clamp100 = (value: number) => Math.min(100, Math.max(0, value));
const oneDecimal = (value: number) => Math.round(value * 10) / 10;

/**
 * Scores one account on fit and intent; pure and deterministic, with every number taken from `config`.
 *
 * The formula, with the shipped defaults (`config/scoring.json`) in brackets:
 *
 * ```text
 * fit    = (employee band + industry tier + revenue band + funding stage + country tier points)  [best: 30+25+15+10+20 = 100]
 *          × confidence factor
 * confidence factor = min_factor + (1 − min_factor) × min(1, confidence / full_at)              [0.6 at no match, 1 from 0.8]
 * intent = (Σ min(max, count × points_each) over active users, sessions, pricing page views, demo requests)
 *                                                                                  [4/user ≤ 25, 0.5/session ≤ 15, 5/view ≤ 20, 40/demo ≤ 40]
 *          × 0.5 ^ (days since active / half_life_days)                   [half-life 30 days; never active counts as 90 days]
 * score  = weights.fit × fit + weights.intent × intent                                          [0.5 × fit + 0.5 × intent]
 * band   = hot if score ≥ 80 and fit ≥ 50 and intent ≥ 50 (otherwise at most warm), warm if ≥ 60, nurture if ≥ 40, else cold
 * thin   = no usage, and fewer than 3 firmographics known or confidence below 0.4   → route to manual research
 * ```
 *
 * fit, intent and score are rounded to whole numbers once, at the end; the band uses the rounded values, as shown.
 * A missing signal contributes 0 points; "no usage" means no usage row, or one whose four counts are all 0. A revenue
 * label counts as known only when it can be read ("$10M-$25M" reads as $10M, its lower bound).
 *
 * `contributions` lists every signal that moved a score, as points on its axis (to one decimal), so a rep can see why:
 * the fit signals (employee_count, industry, inferred_revenue, latest_funding_stage, country, and `confidence` as the
 * points its discount removed) add up to fit; the intent signals (active_users, sessions, pricing_page_views,
 * demo_requests, and `days_since_active` as the points decay removed) add up to intent.
 */
export function score(input: ScoringInput, config: ScoringConfig): ScoreResult {
  const { firmographics: firm, usage } = input;
  const rubric = config.fit;
  const employees = knownNumber(firm.employee_count);
  const industry = knownLabel(firm.industry);
  const revenue = firm.inferred_revenue === null ? null : parseRevenue(firm.inferred_revenue);
  const stage = knownLabel(firm.latest_funding_stage);
  const country = knownLabel(firm.country);

  const fitPoints = {
    employee_count: bandPoints(rubric.employee_count, employees),
    industry: tierPoints(rubric.industry, industry),
    inferred_revenue: bandPoints(rubric.inferred_revenue_usd, revenue),
    latest_funding_stage: stagePoints(rubric.latest_funding_stage, stage),
    country: tierPoints(rubric.country, country),
  };
  const fitBase = Object.values(fitPoints).reduce((sum, value) => sum + value, 0);
  const fitExact = clamp100(fitBase * confidenceFactor(input.confidence, config.confidence));

  const counts = usage && {
    active_users: countOf(usage.active_users),
    sessions: countOf(usage.sessions),
    pricing_page_views: countOf(usage.pricing_page_views),
    demo_requests: countOf(usage.demo_requests),
  };
  const intentPoints = {
    active_users: counts ? saturate(counts.active_users, config.intent.active_users) : 0,
    sessions: counts ? saturate(counts.sessions, config.intent.sessions) : 0,
    pricing_page_views: counts ? saturate(counts.pricing_page_views, config.intent.pricing_page_views) : 0,
    demo_requests: counts ? saturate(counts.demo_requests, config.intent.demo_requests) : 0,
  };
  const intentBase = Object.values(intentPoints).reduce((sum, value) => sum + value, 0);
  const intentExact = usage ? clamp100(intentBase * recencyFactor(usage, config.recency)) : 0;

  const fit = Math.round(fitExact);
  const intent = Math.round(intentExact);
  const total = Math.round(clamp100(config.weights.fit * fitExact + config.weights.intent * intentExact));

  const contributions: Record<string, number> = {};
  const signals: Record<string, number> = {
    ...fitPoints,
    confidence: fitExact - fitBase,
    ...intentPoints,
    days_since_active: intentExact - intentBase,
  };
  for (const [name, points] of Object.entries(signals)) {
    const shown = oneDecimal(points);
    if (shown !== 0) contributions[name] = shown;
  }

  const known = [employees, industry, revenue, stage, country].filter((value) => value !== null).length;
  const hasUsage = counts !== null && Object.values(counts).some((count) => count > 0);
  const confidence = Number.isNaN(input.confidence) ? 0 : input.confidence;
  const thin =
    !hasUsage &&
    (known < config.thin_data.min_known_firmographics || confidence < config.thin_data.min_confidence);

  return { fit, intent, score: total, band: bandOf(total, fit, intent, config), thin, contributions };
}
