import { describe, expect, it } from 'vitest';
import { parseRevenue } from './parseRevenue.ts';
import { score } from './score.ts';
import { loadScoringConfig, parseScoringConfig } from './scoringConfig.ts';
import type { ScoringInput } from './types.ts';

const config = loadScoringConfig();

const noFirmographics: ScoringInput['firmographics'] = {
  employee_count: null,
  industry: null,
  inferred_revenue: null,
  latest_funding_stage: null,
  country: null,
};
const idle = {
  active_users: 0,
  sessions: 0,
  pricing_page_views: 0,
  demo_requests: 0,
  days_since_active: null,
};

const rich: ScoringInput = {
  firmographics: {
    employee_count: 500,
    industry: 'Computer  Software',
    inferred_revenue: '$50M-$100M',
    latest_funding_stage: 'Series C',
    country: 'US',
  },
  confidence: 0.95,
  usage: { active_users: 8, sessions: 60, pricing_page_views: 5, demo_requests: 1, days_since_active: 2 },
};

describe('score', () => {
  it('scores a rich, active, ideal-fit account hot, with every signal named', () => {
    expect(score(rich, config)).toEqual({
      fit: 92,
      intent: 95,
      score: 94,
      band: 'hot',
      thin: false,
      contributions: {
        employee_count: 25,
        industry: 25,
        inferred_revenue: 12,
        latest_funding_stage: 10,
        country: 20,
        active_users: 25,
        sessions: 15,
        pricing_page_views: 20,
        demo_requests: 40,
        days_since_active: -4.5,
      },
    });
  });

  it('scores a small, idle, off-profile account cold but not thin when its firmographics are known', () => {
    const input: ScoringInput = {
      firmographics: {
        employee_count: 5,
        industry: 'Restaurants',
        inferred_revenue: '<$1M',
        latest_funding_stage: 'seed',
        country: 'BR',
      },
      confidence: 0.9,
      usage: idle,
    };
    expect(score(input, config)).toEqual({
      fit: 4,
      intent: 0,
      score: 2,
      band: 'cold',
      thin: false,
      contributions: { latest_funding_stage: 4 },
    });
  });

  it('marks an account thin when almost nothing is known and there is no usage', () => {
    const input = { firmographics: { ...noFirmographics, industry: 'software' }, confidence: 0, usage: null };
    expect(score(input, config)).toEqual({
      fit: 15,
      intent: 0,
      score: 8,
      band: 'cold',
      thin: true,
      contributions: { industry: 25, confidence: -10 },
    });
  });

  it('marks an account thin when confidence is below the floor, even with every field known', () => {
    expect(score({ ...rich, confidence: 0.2, usage: null }, config).thin).toBe(true);
    expect(score({ ...rich, confidence: 0.2, usage: idle }, config).thin).toBe(true);
    expect(score({ ...rich, confidence: 0.5, usage: null }, config).thin).toBe(false);
  });

  it('does not mark an account thin when enrichment is missing but it uses the product', () => {
    const input: ScoringInput = {
      firmographics: { ...noFirmographics, employee_count: 120, country: 'Canada' },
      confidence: 0,
      usage: { active_users: 3, sessions: 10, pricing_page_views: 0, demo_requests: 0, days_since_active: 0 },
    };
    const result = score(input, config);
    expect(result).toMatchObject({ fit: 21, intent: 17, score: 19, band: 'cold', thin: false });
    expect(result.contributions.confidence).toBe(-14);
  });

  it('caps an account below the intent or fit minimum at warm, whatever its score', () => {
    const intentHeavy = parseScoringConfig({ ...config, weights: { fit: 0.2, intent: 0.8 } });
    const busy = { ...rich.usage, days_since_active: 0 } as NonNullable<ScoringInput['usage']>;
    const offProfile = { firmographics: noFirmographics, confidence: 1, usage: busy };
    expect(score(offProfile, intentHeavy)).toMatchObject({ fit: 0, intent: 100, score: 80, band: 'warm' });
    const onProfile = {
      ...offProfile,
      firmographics: { ...noFirmographics, employee_count: 1000, industry: 'saas' },
    };
    expect(score(onProfile, intentHeavy)).toMatchObject({ fit: 55, score: 91, band: 'hot' });
  });

  it('treats a never-active account as old activity, not as active today', () => {
    const demo = { ...idle, demo_requests: 1 };
    const input = { firmographics: noFirmographics, confidence: 1, usage: demo };
    expect(score(input, config).intent).toBe(5);
    expect(score({ ...input, usage: { ...demo, days_since_active: 0 } }, config).intent).toBe(40);
    expect(score({ ...input, usage: { ...demo, days_since_active: 30 } }, config).intent).toBe(20);
  });

  it('gives unknown or garbage signals no points instead of throwing', () => {
    const input: ScoringInput = {
      firmographics: {
        employee_count: Number.NaN,
        industry: '  ',
        inferred_revenue: 'undisclosed',
        latest_funding_stage: 'constructor',
        country: '__proto__',
      },
      confidence: Number.NaN,
      usage: {
        active_users: -3,
        sessions: Number.NaN,
        pricing_page_views: 0,
        demo_requests: 0,
        days_since_active: -2,
      },
    };
    expect(score(input, config)).toEqual({
      fit: 0,
      intent: 0,
      score: 0,
      band: 'cold',
      thin: true,
      contributions: {},
    });
  });
});

describe('parseRevenue', () => {
  it.each([
    ['$10M-$25M', 10_000_000],
    ['$500K-$1M', 500_000],
    ['$1B+', 1_000_000_000],
    ['1bn', 1_000_000_000],
    ['10.5 million', 10_500_000],
    ['$1,000,000', 1_000_000],
    ['<$1M', 0],
    ['Under $1M', 0],
  ])('reads %s as its lower bound', (label, dollars) => {
    expect(parseRevenue(label)).toBe(dollars);
  });

  it.each([null, '', 'undisclosed', '10x'])('reads %j as unknown', (label) => {
    expect(parseRevenue(label)).toBeNull();
  });
});
