export {
  type AccountSignals,
  accountSignalsSchema,
  type Firmographics,
  firmographicsSchema,
} from './accountSignals.ts';
export { REVENUE_BANDS, type RevenueBand, SIZE_BANDS, type SizeBand } from './bands.ts';
export { DEFAULT_CACHE_TTL_MS } from './cache/SignalCache.ts';
export {
  createEnrichmentServer,
  ENRICHMENT_SCOPES,
  ENRICHMENT_VERSION,
  type EnrichmentServerOptions,
} from './createEnrichmentServer.ts';
export { enrichmentMigrations } from './migrations.ts';
export { confidenceFromLikelihood } from './toAccountSignals.ts';
export { DEFAULT_VENDOR_TIMEOUT_MS, type PdlClientOptions } from './vendor/PdlClient.ts';
