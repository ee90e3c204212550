import { type DemoCompany, hashSeed } from '@tollgate/gtm-data';
import type { SimResponse } from '../http/exchange.ts';

/** A People Data Labs company record as the enrich endpoint returns it on a match. */
export interface PdlCompanyRecord {
  status: 200;
  id: string;
  likelihood: number;
  /** PDL lowercases names; `display_name` keeps the original case. */
  name: string;
  display_name: string;
  size: string;
  employee_count: number | null;
  founded: number | null;
  industry: string | null;
  inferred_revenue: string | null;
  location: { name: string; locality: string | null; region: string | null; country: string } | null;
  tags: string[] | null;
  total_funding_raised: number | null;
  latest_funding_stage: string | null;
  website: string;
}

/** The flat PDL-style record for a company; missing data is `null`, never absent. */
export function toPdlRecord(company: DemoCompany): PdlCompanyRecord {
  const { location } = company;
  return {
    status: 200,
    id: hashSeed('pdl', company.domain).toString(36).padStart(7, '0'),
    likelihood: company.likelihood,
    name: company.name.toLowerCase(),
    display_name: company.name,
    size: company.size,
    employee_count: company.employee_count,
    founded: company.founded,
    industry: company.industry,
    inferred_revenue: company.inferred_revenue,
    location: location && {
      name: [location.locality, location.region, location.country].filter((part) => part !== null).join(', '),
      locality: location.locality,
      region: location.region,
      country: location.country,
    },
    tags: company.tags && [...company.tags],
    total_funding_raised: company.total_funding_raised,
    latest_funding_stage: company.latest_funding_stage,
    website: company.website,
  };
}

/**
 * The record after an unannounced schema change: `likelihood` is gone and `employee_count` is now
 * `employees`. An adapter that checks its output schema must refuse it rather than pass it on.
 */
export function reshapePdlRecord(response: SimResponse): SimResponse {
  // A bulk answer is a list of records: each one changes shape.
  if (Array.isArray(response.body)) {
    return { ...response, body: response.body.map((body) => reshapePdlRecord({ status: 200, body }).body) };
  }
  if (typeof response.body !== 'object' || response.body === null) return response;
  const { likelihood: _dropped, employee_count, ...rest } = response.body as Record<string, unknown>;
  return { ...response, body: { ...rest, employees: employee_count } };
}
