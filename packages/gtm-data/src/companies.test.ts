import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { companyByDomain, demoCompanies, SIZE_BANDS, sizeBand } from './companies.ts';
import { normalizeDomain } from './naturalKeys.ts';

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

  it('finds a company by its key from a domain or URL, and nothing from what is not a company host', () => {
    expect(normalizeDomain(' http://www.Acme.com:8080/path ')).toBe('acme.com');
    expect(normalizeDomain('acme.com.')).toBe('acme.com');
    const companies = demoCompanies(8, 30);
    const target = companies[3] as (typeof companies)[number];
    expect(companyByDomain(companies, `www.www.${target.domain}`)).toBe(target);
    // The simulators' old normalization took the host after the last `@`: a lead's address, or a
    // spoof WHATWG URL parsing reads as another host, was looked up as that company.
    expect(companyByDomain(companies, `jane@${target.domain}`)).toBeUndefined();
    expect(companyByDomain(companies, `nobody.com\\@${target.domain}`)).toBeUndefined();
  });

  it('finds a hand-made company list in any spelling of its domains', () => {
    const [first] = demoCompanies(8, 1);
    const companies = [{ ...(first as NonNullable<typeof first>), domain: 'WWW.Bücher.de' }];
    expect(companyByDomain(companies, 'https://xn--bcher-kva.de/')).toBe(companies[0]);
  });

  it('finds every demo company under every spelling of its domain (property)', () => {
    const companies = demoCompanies(12, 200);
    fc.assert(
      fc.property(
        fc.nat({ max: companies.length - 1 }),
        fc.constantFrom('', 'www.', 'WWW.www.', 'https://', 'http://www.', 'HTTPS://WWW.'),
        fc.constantFrom('', '/', '/about?x=1', ':8443/a#b', '.'),
        fc.boolean(),
        (index, prefix, tail, upper) => {
          const target = companies[index] as (typeof companies)[number];
          const host = upper ? target.domain.toUpperCase() : target.domain;
          expect(companyByDomain(companies, `${prefix}${host}${tail}`)).toBe(target);
        },
      ),
    );
  });
});
