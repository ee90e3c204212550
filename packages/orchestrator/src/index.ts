export { allNightlyScopes, NIGHTLY_TOOLS, nightlyScopes } from './auth/nightlyScopes.ts';
export { type ServerAuth, ServerAuthError } from './auth/ServerAuth.ts';
export {
  type OAuthClientSettings,
  type ServerAuthSettings,
  type ServerReachSettings,
  serverCredentials,
} from './auth/serverCredentials.ts';
export { chooseRun, type RunChoice, type RunChoiceOptions } from './job/chooseRun.ts';
export type { JobContext, WarehouseAccount } from './job/JobContext.ts';
export { idempotencyKey } from './job/keys.ts';
export {
  DEFAULT_NIGHTLY_CONFIG_PATH,
  DEMO_NIGHTLY_CONFIG_PATH,
  type GuardConfig,
  loadNightlyConfig,
  type NightlyConfig,
  nightlyConfigSchema,
} from './job/nightlyConfig.ts';
export { Progress } from './job/Progress.ts';
export { processPage } from './job/processPage.ts';
export { type NightlyOptions, type NightlyResult, runNightly } from './job/runNightly.ts';
export { HEARTBEAT_MS, LEASE_MS, RunLedger } from './ledger/RunLedger.ts';
export type { RunRecord, RunStatus } from './ledger/RunRecord.ts';
export { FullJitterBackoff } from './policies/FullJitterBackoff.ts';
export { GuardedServer, type GuardOptions } from './policies/GuardedServer.ts';
export { RetryBudget } from './policies/RetryBudget.ts';
export { TokenBucket } from './policies/TokenBucket.ts';
export { renderHtmlReport } from './report/renderHtml.ts';
export { renderSummaryTable, type SummaryTableOptions } from './report/renderSummary.ts';
export { resumeCommand, shellWord } from './report/shellWord.ts';
export {
  type AccountOutcome,
  type RunReport,
  type RunSummary,
  SERVER_NAMES,
  type ServerName,
  STEP_NAMES,
  type StepName,
} from './report/types.ts';
export { type RunReportFiles, readRunReport, runReportSchema, writeRunReport } from './report/writeReport.ts';
export { score } from './scoring/score.ts';
export { loadScoringConfig, type ScoringConfig, scoringConfigSchema } from './scoring/scoringConfig.ts';
export type { ScoreResult, ScoringInput } from './scoring/types.ts';
export { type CallOutcome, ServerConnection, type ServerSpec } from './servers/ServerConnection.ts';
export { childEnv, type ServerSpecsOptions, serverSpecs } from './servers/serverSpecs.ts';
