import type { AccountSignals, Firmographics } from './accountSignals.ts';
import type { PdlCompany } from './vendor/pdlCompany.ts';

/**
 * PDL's likelihood (1-10) as a confidence in [0, 1]: likelihood / 10, so 10 → 1.0 and 1 → 0.1.
 * Linear because PDL publishes no calibration that would justify a curve.
 */
export function confidenceFromLikelihood(likelihood: number): number {
  return Math.min(10, Math.max(0, likelihood)) / 10;
}

const UNKNOWN: Firmographics = {
  name: null,
  size: null,
  employee_count: null,
  founded: null,
  industry: null,
  inferred_revenue: null,
  country: null,
  region: null,
  locality: null,
  tags: null,
  total_funding_raised: null,
  latest_funding_stage: null,
};

/** The signals of a vendor match; fields the vendor left null stay null. */
export function matchedSignals(domain: string, company: PdlCompany, fetchedAt: Date): AccountSignals {
  return {
    domain,
    status: 'matched',
    firmographics: {
      // PDL lower-cases `name`; `display_name` keeps the company's own spelling.
      name: company.display_name ?? company.name,
      size: company.size,
      employee_count: company.employee_count,
      founded: company.founded,
      industry: company.industry,
      inferred_revenue: company.inferred_revenue,
      country: company.location?.country ?? null,
      region: company.location?.region ?? null,
      locality: company.location?.locality ?? null,
      tags: company.tags,
      total_funding_raised: company.total_funding_raised,
      latest_funding_stage: company.latest_funding_stage,
    },
    confidence: confidenceFromLikelihood(company.likelihood),
    source: 'pdl',
    fetched_at: fetchedAt.toISOString(),
    cached: false,
  };
}

/** The signals of a domain the vendor does not know: a normal answer, with nothing known. */
export function notFoundSignals(domain: string, fetchedAt: Date): AccountSignals {
  return {
    domain,
    status: 'not_found',
    firmographics: { ...UNKNOWN },
    confidence: 0,
    source: 'pdl',
    fetched_at: fetchedAt.toISOString(),
    cached: false,
  };
}
