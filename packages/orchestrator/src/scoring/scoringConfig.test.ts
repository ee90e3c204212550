import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_CONFIG_PATH, loadScoringConfig, parseScoringConfig } from './scoringConfig.ts';

type Raw = Record<string, Record<string, unknown>>;

/** A fresh copy of the shipped JSON, to break one field at a time. */
const shipped = (): Raw => JSON.parse(readFileSync(DEFAULT_SCORING_CONFIG_PATH, 'utf8'));

function problemsOf(raw: unknown): string {
  try {
    parseScoringConfig(raw, 'test.json');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('loadScoringConfig', () => {
  it('loads the shipped defaults', () => {
    const config = loadScoringConfig();
    expect(config.weights).toEqual({ fit: 0.5, intent: 0.5 });
    expect(config.bands).toEqual({ hot: 80, warm: 60, nurture: 40 });
    expect(config.recency.half_life_days).toBeGreaterThanOrEqual(14);
    expect(config.recency.half_life_days).toBeLessThanOrEqual(60);
  });

  it('names the file when it is missing', () => {
    const path = join(tmpdir(), 'tollgate-no-such-scoring.json');
    expect(() => loadScoringConfig(path)).toThrow(`Cannot read scoring config ${path}`);
  });

  it('names the file when it is not JSON', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tollgate-scoring-')), 'bad.json');
    writeFileSync(path, '{ "weights": ');
    expect(() => loadScoringConfig(path)).toThrow(`Cannot read scoring config ${path}`);
  });

  it('names the file and the field when a value is wrong', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tollgate-scoring-')), 'weights.json');
    const raw = shipped();
    raw.weights = { fit: 0.7, intent: 0.7 };
    writeFileSync(path, JSON.stringify(raw));
    expect(() => loadScoringConfig(path)).toThrow(`Scoring config ${path} is invalid:\n  - weights: `);
  });
});

describe('parseScoringConfig', () => {
  it('accepts weights that add up to 1 up to rounding', () => {
    const raw = shipped();
    raw.weights = { fit: 0.7, intent: 0.3 };
    expect(parseScoringConfig(raw).weights.fit).toBe(0.7);
  });

  it('refuses weights that do not add up to 1, naming the field', () => {
    const raw = shipped();
    raw.weights = { fit: 0.6, intent: 0.6 };
    expect(problemsOf(raw)).toContain('weights: fit + intent must add up to 1 (got 1.2)');
  });

  it('refuses a weight outside [0, 1], naming it', () => {
    const raw = shipped();
    raw.weights = { fit: 1.5, intent: -0.5 };
    expect(problemsOf(raw)).toMatch(/weights\.fit: .*\n {2}- weights\.intent: /);
  });

  it.each([
    ['warm above hot', { hot: 60, warm: 80, nurture: 40 }],
    ['nurture equal to warm', { hot: 80, warm: 60, nurture: 60 }],
  ])('refuses band thresholds that do not descend (%s)', (_, bands) => {
    const raw = shipped();
    raw.bands = bands;
    expect(problemsOf(raw)).toContain('bands: thresholds must descend: hot > warm > nurture');
  });

  it('refuses employee bands out of order, naming the band', () => {
    const raw = shipped();
    raw.fit = {
      ...raw.fit,
      employee_count: [
        { min: 0, points: 0 },
        { min: 500, points: 30 },
        { min: 50, points: 15 },
      ],
    };
    expect(problemsOf(raw)).toContain('fit.employee_count[2].min: must be greater than the previous band');
  });

  it('refuses a fit rubric whose best points do not add up to 100, showing the sum', () => {
    const raw = shipped();
    raw.fit = { ...raw.fit, latest_funding_stage: { series_a: 5 } };
    expect(problemsOf(raw)).toContain(
      'fit: the best possible fit points must add up to 100 (employee_count 30 + industry 25 + ' +
        'inferred_revenue_usd 15 + latest_funding_stage 5 + country 20 = 95)',
    );
  });

  it('refuses an intent rubric whose caps do not add up to 100', () => {
    const raw = shipped();
    raw.intent = { ...raw.intent, demo_requests: { points_each: 40, max: 60 } };
    expect(problemsOf(raw)).toMatch(/^ {2}- intent: the best possible intent points must add up to 100/m);
  });

  it('refuses a label listed in two tiers', () => {
    const raw = shipped();
    raw.fit = {
      ...raw.fit,
      industry: [
        { points: 25, values: ['Software'] },
        { points: 10, values: ['media', 'software '] },
      ],
    };
    expect(problemsOf(raw)).toContain('fit.industry[1].values[1]: "software" is already listed in tier 0');
  });

  it('refuses an unknown field, so a typo is not silently ignored', () => {
    const raw = shipped();
    raw.recency = { ...raw.recency, half_life_dyas: 20 };
    expect(problemsOf(raw)).toMatch(/recency: Unrecognized key.*half_life_dyas/);
  });

  it('refuses a half-life that is not positive, and a confidence floor above 1', () => {
    const raw = shipped();
    raw.recency = { ...raw.recency, half_life_days: 0 };
    raw.thin_data = { ...raw.thin_data, min_confidence: 2 };
    const problems = problemsOf(raw);
    expect(problems).toContain('recency.half_life_days: ');
    expect(problems).toContain('thin_data.min_confidence: ');
  });
});
