// The demo companies and the seeded generator are @tollgate/gtm-data's; re-exported because the
// simulators' options take them (`companies`, `seed`) and their tests build on them.
export {
  type CompanyLocation,
  companyByDomain,
  DEFAULT_SEED,
  type DemoCompany,
  demoCompanies,
  FUNDING_STAGES,
  type FundingStage,
  hashSeed,
  Random,
  REVENUE_BANDS,
  type RevenueBand,
  revenueBand,
  type Seed,
  SIZE_BANDS,
  type SizeBand,
  sizeBand,
} from '@tollgate/gtm-data';
export { CREDENTIAL_CARRIERS, type CredentialCarrier, type PresentedCredential } from './credentials.ts';
export type { ObjectType } from './crm/objectTypes.ts';
export {
  type CrmSimulator,
  type CrmSimulatorOptions,
  type CrmStats,
  crmSimulatorOptionsSchema,
  DEFAULT_CRM_TOKEN,
  DEFAULT_EXPIRED_CRM_TOKEN,
  startCrmSimulator,
} from './crm/startCrmSimulator.ts';
export type { PdlCompanyRecord } from './enrichment/pdlRecord.ts';
export {
  DEFAULT_ENRICHMENT_API_KEY,
  type EnrichmentSimulator,
  type EnrichmentSimulatorOptions,
  type EnrichmentStats,
  enrichmentSimulatorOptionsSchema,
  startEnrichmentSimulator,
} from './enrichment/startEnrichmentSimulator.ts';
export {
  decideFault,
  ERROR_FAULT_KINDS,
  type ErrorFaultKind,
  type FaultConfig,
  type FaultConfigInput,
  type FaultDecision,
  FaultInjector,
  faultConfigSchema,
} from './faults.ts';
export type { SimulatorServer } from './http/simulatorServer.ts';
export type { TrafficStats } from './stats.ts';
