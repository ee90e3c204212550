import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { score } from './score.ts';
import { loadScoringConfig, parseScoringConfig, type ScoringConfig } from './scoringConfig.ts';
import type { ScoreResult, ScoringInput } from './types.ts';

const shipped = loadScoringConfig();

/** The shipped rubric under other weights, thresholds, minimums, half-lives and confidence settings. */
const configArb: fc.Arbitrary<ScoringConfig> = fc
  .record({
    fit: fc.integer({ min: 0, max: 100 }),
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 3, maxLength: 3 }),
    minimum: fc.record({ fit: fc.integer({ min: 0, max: 100 }), intent: fc.integer({ min: 0, max: 100 }) }),
    halfLife: fc.integer({ min: 14, max: 60 }),
    fullAt: fc.double({ min: 0.05, max: 1, noNaN: true }),
    minFactor: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ fit, cuts, minimum, halfLife, fullAt, minFactor }) => {
    const [hot = 80, warm = 60, nurture = 40] = [...cuts].sort((a, b) => b - a);
    return parseScoringConfig({
      ...shipped,
      weights: { fit: fit / 100, intent: (100 - fit) / 100 },
      bands: { hot, warm, nurture },
      hot_minimum: minimum,
      recency: { ...shipped.recency, half_life_days: halfLife },
      confidence: { full_at: fullAt, min_factor: minFactor },
    });
  });
const anyConfig = fc.oneof(fc.constant(shipped), configArb);

const label = (known: string[]) => fc.option(fc.oneof(fc.constantFrom(...known), fc.string()));
const firmographicsArb = fc.record({
  employee_count: fc.option(fc.oneof(fc.nat(20_000), fc.double())),
  industry: label(['software', 'SaaS', 'media', 'Restaurants']),
  inferred_revenue: label(['$10M-$25M', '$1B+', '<$1M', '$50M-$100M']),
  latest_funding_stage: label(['seed', 'Series B', 'series_c', 'constructor']),
  country: label(['US', 'germany', 'BR']),
});

/** Well-formed usage, for the monotonicity properties. */
const usageArb = fc.record({
  active_users: fc.nat(50),
  sessions: fc.nat(200),
  pricing_page_views: fc.nat(20),
  demo_requests: fc.nat(3),
  days_since_active: fc.option(fc.nat(365)),
});
const inputArb: fc.Arbitrary<ScoringInput> = fc.record({
  firmographics: firmographicsArb,
  confidence: fc.double({ min: 0, max: 1, noNaN: true }),
  usage: fc.option(usageArb),
});

/** Anything the warehouse or a vendor might send, NaN, infinities and negatives included. */
const wildInputArb: fc.Arbitrary<ScoringInput> = fc.record({
  firmographics: firmographicsArb,
  confidence: fc.double(),
  usage: fc.option(
    fc.record({
      active_users: fc.double(),
      sessions: fc.double(),
      pricing_page_views: fc.double(),
      demo_requests: fc.double(),
      days_since_active: fc.option(fc.double()),
    }),
  ),
});

const isScore = (value: number) => Number.isInteger(value) && value >= 0 && value <= 100;
const counts = ['active_users', 'sessions', 'pricing_page_views', 'demo_requests'] as const;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const fitSignals = [
  'employee_count',
  'industry',
  'inferred_revenue',
  'latest_funding_stage',
  'country',
  'confidence',
];

/** Neither axis nor the total ever goes down from `before` to `after`. */
function neverLower(before: ScoreResult, after: ScoreResult, axis: 'fit' | 'intent') {
  expect(after[axis]).toBeGreaterThanOrEqual(before[axis]);
  expect(after.score).toBeGreaterThanOrEqual(before.score);
}

describe('score (properties)', () => {
  it('keeps fit, intent and score whole numbers in [0, 100] for any input', () => {
    fc.assert(
      fc.property(wildInputArb, anyConfig, (input, config) => {
        const result = score(input, config);
        expect([result.fit, result.intent, result.score].every(isScore)).toBe(true);
        expect(['hot', 'warm', 'nurture', 'cold']).toContain(result.band);
        expect(Object.values(result.contributions).every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic and leaves its input untouched', () => {
    fc.assert(
      fc.property(wildInputArb, anyConfig, (input, config) => {
        const copy = structuredClone(input);
        expect(score(input, config)).toEqual(score(copy, config));
        expect(input).toEqual(copy);
      }),
    );
  });

  it('never lowers fit when employee_count grows', () => {
    fc.assert(
      fc.property(inputArb, fc.nat(20_000), fc.nat(20_000), anyConfig, (input, a, b, config) => {
        const at = (employee_count: number) =>
          score({ ...input, firmographics: { ...input.firmographics, employee_count } }, config);
        neverLower(at(Math.min(a, b)), at(Math.max(a, b)), 'fit');
      }),
    );
  });

  it.each(counts)('never lowers intent or score when %s grows', (signal) => {
    fc.assert(
      fc.property(inputArb, usageArb, fc.nat(100), anyConfig, (input, usage, more, config) => {
        const before = score({ ...input, usage }, config);
        const after = score({ ...input, usage: { ...usage, [signal]: usage[signal] + more } }, config);
        neverLower(before, after, 'intent');
        expect(after.fit).toBe(before.fit);
      }),
    );
  });

  it('never lowers intent when activity is more recent', () => {
    fc.assert(
      fc.property(inputArb, usageArb, fc.nat(365), fc.nat(365), anyConfig, (input, usage, a, b, config) => {
        const at = (days_since_active: number) =>
          score({ ...input, usage: { ...usage, days_since_active } }, config);
        neverLower(at(Math.max(a, b)), at(Math.min(a, b)), 'intent');
        neverLower(
          score({ ...input, usage: { ...usage, days_since_active: null } }, config),
          at(0),
          'intent',
        );
      }),
    );
  });

  it('never lowers fit when confidence is higher', () => {
    const confidenceArb = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(inputArb, confidenceArb, confidenceArb, anyConfig, (input, a, b, config) => {
        const at = (confidence: number) => score({ ...input, confidence }, config);
        neverLower(at(Math.min(a, b)), at(Math.max(a, b)), 'fit');
      }),
    );
  });

  it('bands the score by the thresholds, hot only above both minimums', () => {
    fc.assert(
      fc.property(inputArb, anyConfig, (input, config) => {
        const { band, score: total, fit, intent } = score(input, config);
        const { hot, warm, nurture } = config.bands;
        const meetsMinimum = fit >= config.hot_minimum.fit && intent >= config.hot_minimum.intent;
        const expected =
          total >= hot && meetsMinimum
            ? 'hot'
            : total >= warm
              ? 'warm'
              : total >= nurture
                ? 'nurture'
                : 'cold';
        expect(band).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('makes the score the weighted sum of fit and intent, within rounding', () => {
    fc.assert(
      fc.property(inputArb, anyConfig, (input, config) => {
        const result = score(input, config);
        const weighted = config.weights.fit * result.fit + config.weights.intent * result.intent;
        expect(Math.abs(result.score - weighted)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('names contributions that add up to fit and to intent, within rounding', () => {
    fc.assert(
      fc.property(inputArb, anyConfig, (input, config) => {
        const result = score(input, config);
        const entries = Object.entries(result.contributions);
        const fitPart = sum(
          entries.filter(([name]) => fitSignals.includes(name)).map(([, points]) => points),
        );
        const intentPart = sum(
          entries.filter(([name]) => !fitSignals.includes(name)).map(([, points]) => points),
        );
        expect(Math.abs(fitPart - result.fit)).toBeLessThanOrEqual(0.5 + 6 * 0.05 + 1e-9);
        expect(Math.abs(intentPart - result.intent)).toBeLessThanOrEqual(0.5 + 5 * 0.05 + 1e-9);
      }),
    );
  });

  it('never marks an account thin while it uses the product', () => {
    fc.assert(
      fc.property(
        inputArb,
        usageArb,
        fc.constantFrom(...counts),
        anyConfig,
        (input, usage, signal, config) => {
          const active = { ...usage, [signal]: usage[signal] + 1 };
          expect(score({ ...input, usage: active }, config).thin).toBe(false);
        },
      ),
    );
  });

  it('marks an account without usage thin whenever confidence is below the floor', () => {
    fc.assert(
      fc.property(inputArb, fc.double({ min: 0, max: 0.399, noNaN: true }), (input, confidence) => {
        expect(score({ ...input, confidence, usage: null }, shipped).thin).toBe(true);
      }),
    );
  });
});
