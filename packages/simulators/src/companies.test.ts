import { describe, expect, it } from 'vitest';
import { companyByDomain, demoCompanies, normalizeDomain, SIZE_BANDS, sizeBand } from './companies.ts';

describe('demoCompanies', () => {
  it('returns the same companies for the same seed', () => {
    expect(demoCompanies(9, 200)).toEqual(demoCompanies(9, 200));
    expect(demoCompanies(9, 50)).not.toEqual(demoCompanies(10, 50));
  });

  it('returns a prefix of the longer list for a smaller count', () => {
    expect(demoCompanies(9, 40)).toEqual(demoCompanies(9, 450).slice(0, 40));
  });

  it('gives every company a unique lowercase domain that is also its website', () => {
    const companies = demoCompanies(3, 1000);
    const domains = companies.map((c) => c.domain);
    expect(new Set(domains).size).toBe(1000);
    for (const c of companies) {
      expect(c.domain).toMatch(/^[a-z]+-[a-z]+-\d+\.com$/);
      expect(c.website).toBe(c.domain);
    }
  });

  it('keeps firmographics coherent: size band from employees, likelihood 1-10', () => {
    for (const c of demoCompanies(4, 500)) {
      expect(SIZE_BANDS).toContain(c.size);
      if (c.employee_count !== null) expect(c.size).toBe(sizeBand(c.employee_count));
      expect(c.likelihood).toBeGreaterThanOrEqual(1);
      expect(c.likelihood).toBeLessThanOrEqual(10);
      if (c.total_funding_raised !== null) expect(c.latest_funding_stage).not.toBeNull();
    }
  });

  it('leaves some fields null for some companies, but never the identity fields', () => {
    const companies = demoCompanies(5, 500);
    for (const field of [
      'founded',
      'inferred_revenue',
      'industry',
      'location',
      'tags',
      'employee_count',
    ] as const) {
      const nulls = companies.filter((c) => c[field] === null).length;
      expect(nulls, field).toBeGreaterThan(0);
      expect(nulls, field).toBeLessThan(250);
    }
    expect(companies.every((c) => c.name !== '' && c.domain !== '')).toBe(true);
  });

  it('keeps about 5% of domains unknown to the enrichment vendor', () => {
    const unknown = demoCompanies(6, 2000).filter((c) => !c.enrichable).length;
    expect(unknown).toBeGreaterThan(2000 * 0.03);
    expect(unknown).toBeLessThan(2000 * 0.07);
  });
});

describe('companyByDomain', () => {
  it('finds a company from a URL-ish input in any case', () => {
    const companies = demoCompanies(8, 30);
    const target = companies[17];
    expect(companyByDomain(companies, `https://WWW.${target?.domain.toUpperCase()}/about?x=1`)).toBe(target);
    expect(companyByDomain(companies, 'nobody-here-1.com')).toBeUndefined();
  });

  it('normalizes domains, URLs and email addresses to a bare host', () => {
    expect(normalizeDomain(' http://www.Acme.com:8080/path ')).toBe('acme.com');
    expect(normalizeDomain('jane@acme.com')).toBe('acme.com');
    expect(normalizeDomain('acme.com.')).toBe('acme.com');
  });
});
