import { normalizeDomain } from './naturalKeys.ts';
import { Random, type Seed } from './random.ts';

/** The seed the demo data (and every simulator) uses when none is given. */
export const DEFAULT_SEED = 20_261_123;

export const SIZE_BANDS = [
  '1-10',
  '11-50',
  '51-200',
  '201-500',
  '501-1000',
  '1001-5000',
  '5001-10000',
  '10001+',
] as const;
export type SizeBand = (typeof SIZE_BANDS)[number];

export const REVENUE_BANDS = [
  '$0-$1M',
  '$1M-$10M',
  '$10M-$25M',
  '$25M-$50M',
  '$50M-$100M',
  '$100M-$250M',
  '$250M-$500M',
  '$500M-$1B',
  '$1B-$10B',
  '$10B+',
] as const;
export type RevenueBand = (typeof REVENUE_BANDS)[number];

export const FUNDING_STAGES = [
  'seed',
  'series_a',
  'series_b',
  'series_c',
  'series_d',
  'private_equity',
  'ipo',
] as const;
export type FundingStage = (typeof FUNDING_STAGES)[number];

export interface CompanyLocation {
  locality: string | null;
  region: string | null;
  country: string;
}

/** One demo account. Lowercase place and industry names, as People Data Labs reports them. */
export interface DemoCompany {
  /** Unique, lowercase, e.g. `northwind-logistics-17.com`. */
  domain: string;
  name: string;
  employee_count: number | null;
  size: SizeBand;
  founded: number | null;
  industry: string | null;
  inferred_revenue: RevenueBand | null;
  location: CompanyLocation | null;
  tags: readonly string[] | null;
  total_funding_raised: number | null;
  latest_funding_stage: FundingStage | null;
  website: string;
  /** The match confidence (1–10) the enrichment vendor reports for this company. */
  likelihood: number;
  /** False for the ~5% of domains the enrichment vendor has never heard of (it answers 404). */
  enrichable: boolean;
}

// biome-ignore format: a word list reads better packed
const PREFIXES = [
  'northwind', 'bluepeak', 'ironleaf', 'brightwater', 'silverline', 'redrock', 'evergreen', 'stonebridge',
  'clearpath', 'summit', 'harbor', 'lumen', 'granite', 'cedar', 'atlas', 'nimbus', 'quartz', 'maple',
  'falcon', 'orchard', 'pioneer', 'keystone', 'riverbend', 'starling', 'copper', 'aurora', 'vantage',
  'meridian', 'tidal', 'sparrow',
] as const;

const SECTORS: readonly { word: string; industry: string; tags: readonly string[] }[] = [
  {
    word: 'logistics',
    industry: 'logistics and supply chain',
    tags: ['freight', 'fleet management', 'warehousing'],
  },
  {
    word: 'analytics',
    industry: 'computer software',
    tags: ['saas', 'data analytics', 'business intelligence'],
  },
  {
    word: 'health',
    industry: 'hospital & health care',
    tags: ['healthtech', 'telemedicine', 'patient engagement'],
  },
  { word: 'payments', industry: 'financial services', tags: ['fintech', 'payments', 'b2b'] },
  {
    word: 'security',
    industry: 'computer & network security',
    tags: ['cybersecurity', 'identity', 'compliance'],
  },
  { word: 'robotics', industry: 'industrial automation', tags: ['robotics', 'manufacturing', 'iot'] },
  { word: 'media', industry: 'marketing and advertising', tags: ['adtech', 'content', 'martech'] },
  { word: 'energy', industry: 'renewables & environment', tags: ['solar', 'cleantech', 'energy storage'] },
  { word: 'learning', industry: 'e-learning', tags: ['edtech', 'lms', 'corporate training'] },
  { word: 'foods', industry: 'food & beverages', tags: ['cpg', 'd2c', 'organic'] },
  {
    word: 'cloud',
    industry: 'information technology and services',
    tags: ['cloud', 'devops', 'infrastructure'],
  },
  { word: 'retail', industry: 'retail', tags: ['ecommerce', 'omnichannel', 'point of sale'] },
  { word: 'biotech', industry: 'biotechnology', tags: ['genomics', 'drug discovery', 'lab automation'] },
  { word: 'insurance', industry: 'insurance', tags: ['insurtech', 'underwriting', 'claims'] },
  { word: 'realty', industry: 'real estate', tags: ['proptech', 'property management', 'leasing'] },
  { word: 'talent', industry: 'human resources', tags: ['hr tech', 'recruiting', 'payroll'] },
];

// biome-ignore format: a place list reads better packed
const US_PLACES: readonly (readonly [string, string])[] = [
  ['san francisco', 'california'], ['new york', 'new york'], ['austin', 'texas'], ['boston', 'massachusetts'],
  ['seattle', 'washington'], ['chicago', 'illinois'], ['denver', 'colorado'], ['atlanta', 'georgia'],
];

// biome-ignore format: a place list reads better packed
const WORLD_PLACES: readonly (readonly [string, string, string])[] = [
  ['toronto', 'ontario', 'canada'], ['london', 'england', 'united kingdom'],
  ['manchester', 'england', 'united kingdom'], ['berlin', 'berlin', 'germany'], ['munich', 'bavaria', 'germany'],
  ['paris', 'ile-de-france', 'france'], ['amsterdam', 'north holland', 'netherlands'],
  ['stockholm', 'stockholm', 'sweden'], ['dublin', 'leinster', 'ireland'],
  ['sydney', 'new south wales', 'australia'], ['singapore', 'singapore', 'singapore'],
  ['bangalore', 'karnataka', 'india'],
];

const NAME_SUFFIXES = ['', '', '', ' Inc', ' Labs', ' Group', ' Systems'] as const;
// Skewed high: a vendor's matches on a clean domain are usually confident, but not always.
const LIKELIHOODS = [10, 10, 9, 9, 9, 8, 8, 8, 7, 7, 6, 6, 5, 4, 3, 2] as const;
const SIZE_FLOORS = [1, 11, 51, 201, 501, 1001, 5001, 10001] as const;
const REVENUE_FLOORS = [0, 1e6, 10e6, 25e6, 50e6, 100e6, 250e6, 500e6, 1e9, 10e9] as const;
const FUNDING_RANGES: Record<FundingStage, readonly [number, number]> = {
  seed: [0.5e6, 4e6],
  series_a: [5e6, 20e6],
  series_b: [20e6, 60e6],
  series_c: [50e6, 150e6],
  series_d: [100e6, 400e6],
  private_equity: [200e6, 1500e6],
  ipo: [300e6, 3000e6],
};

/** The band an employee count falls in. */
export function sizeBand(employees: number): SizeBand {
  let band = 0;
  while (band + 1 < SIZE_FLOORS.length && employees >= (SIZE_FLOORS[band + 1] as number)) band++;
  return SIZE_BANDS[band] as SizeBand;
}

/** The band an annual revenue in dollars falls in. */
export function revenueBand(dollars: number): RevenueBand {
  let band = 0;
  while (band + 1 < REVENUE_FLOORS.length && dollars >= (REVENUE_FLOORS[band + 1] as number)) band++;
  return REVENUE_BANDS[band] as RevenueBand;
}

function titleCase(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function fundingStageFor(rng: Random, employees: number): FundingStage {
  if (employees <= 50) return rng.pick(['seed', 'seed', 'series_a'] as const);
  if (employees <= 200) return rng.pick(['series_a', 'series_b'] as const);
  if (employees <= 1000) return rng.pick(['series_b', 'series_c', 'series_d'] as const);
  return rng.pick(['series_d', 'private_equity', 'ipo'] as const);
}

function demoCompany(seed: Seed, index: number): DemoCompany {
  // One stream per company: company i never depends on how many companies were asked for.
  const rng = new Random(seed, 'company', index);
  const prefix = rng.pick(PREFIXES);
  const sector = rng.pick(SECTORS);
  const domain = `${prefix}-${sector.word}-${index}.com`;
  const employees = Math.min(60_000, Math.max(1, Math.round(rng.lognormal(90, 9000))));
  const revenuePerEmployee = 60_000 + rng.float() * 290_000;
  const founded = employees > 5000 ? rng.int(1950, 2005) : rng.int(1985, 2023);
  const place = rng.chance(0.6) ? [...rng.pick(US_PLACES), 'united states'] : rng.pick(WORLD_PLACES);
  const funded = rng.chance(0.75);
  const stage = fundingStageFor(rng, employees);
  const [low, high] = FUNDING_RANGES[stage];
  const raised = Math.round((low + rng.float() * (high - low)) / 1e5) * 1e5;
  const tags = sector.tags.filter(() => rng.chance(0.7));
  return {
    domain,
    name: `${titleCase(prefix)} ${titleCase(sector.word)}${rng.pick(NAME_SUFFIXES)}`,
    employee_count: rng.chance(0.05) ? null : employees,
    size: sizeBand(employees),
    founded: rng.chance(0.12) ? null : founded,
    industry: rng.chance(0.05) ? null : sector.industry,
    inferred_revenue: rng.chance(0.15) ? null : revenueBand(employees * revenuePerEmployee),
    location: rng.chance(0.04)
      ? null
      : {
          locality: rng.chance(0.1) ? null : (place[0] as string),
          region: place[1] as string,
          country: place[2] as string,
        },
    tags: tags.length === 0 || rng.chance(0.1) ? null : tags,
    total_funding_raised: funded && !rng.chance(0.1) ? raised : null,
    latest_funding_stage: funded ? stage : null,
    website: domain,
    likelihood: rng.pick(LIKELIHOODS),
    enrichable: !rng.chance(0.05),
  };
}

/**
 * The demo accounts for a seed: a pure function of (seed, count), and `demoCompanies(seed, n)` is a
 * prefix of `demoCompanies(seed, m)` for n < m, so every package that seeds data agrees on them.
 */
export function demoCompanies(seed: Seed, count: number): DemoCompany[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`count must be a whole number, got ${count}`);
  }
  return Array.from({ length: count }, (_, index) => demoCompany(seed, index));
}

const indexes = new WeakMap<readonly DemoCompany[], Map<string, DemoCompany>>();

/**
 * The company whose domain is this value's account key (see normalizeDomain: any case, with or
 * without scheme, `www.` or path), if the list has one. The list is indexed on first use, so do not
 * mutate it afterwards.
 */
export function companyByDomain(companies: readonly DemoCompany[], domain: string): DemoCompany | undefined {
  let index = indexes.get(companies);
  if (!index) {
    index = new Map(companies.map((company) => [normalizeDomain(company.domain) ?? company.domain, company]));
    indexes.set(companies, index);
  }
  const key = normalizeDomain(domain);
  return key === null ? undefined : index.get(key);
}
