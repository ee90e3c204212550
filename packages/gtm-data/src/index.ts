export {
  type CompanyLocation,
  companyByDomain,
  DEFAULT_SEED,
  type DemoCompany,
  demoCompanies,
  FUNDING_STAGES,
  type FundingStage,
  REVENUE_BANDS,
  type RevenueBand,
  revenueBand,
  SIZE_BANDS,
  type SizeBand,
  sizeBand,
} from './companies.ts';
export {
  checkDomain,
  checkEmail,
  type DomainCheck,
  type EmailCheck,
  normalizeDomain,
  normalizeEmail,
} from './naturalKeys.ts';
export { hashSeed, NORMAL_Z_99, Random, type Seed } from './random.ts';
