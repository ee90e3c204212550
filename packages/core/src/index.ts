export { type HttpAuthSettings, httpAuthFromEnv } from './auth/authSettings.ts';
export {
  bearerChallenge,
  type HttpAuthOptions,
  PRM_PATH,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from './auth/resourceServer.ts';
export {
  createTokenVerifier,
  DEFAULT_ALGORITHMS,
  InvalidTokenError,
  type TokenRejection,
  type TokenVerifier,
  type TokenVerifierOptions,
  type VerifiedToken,
} from './auth/tokenVerifier.ts';
export { ERROR_CODE_LIST, ERROR_CODES, type ErrorCode, isErrorCode } from './errors/codes.ts';
export {
  ConflictError,
  ForbiddenError,
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  InternalError,
  InvalidInputError,
  isRetryable,
  isToolError,
  LockedError,
  NotFoundError,
  QuotaExhaustedError,
  RateLimitedError,
  TimeoutError,
  ToolError,
  type ToolErrorOptions,
  toToolError,
  UpstreamContractViolationError,
  UpstreamUnavailableError,
} from './errors/ToolError.ts';
export type { CallContext, GateStep, Outcome } from './gate/CallContext.ts';
export { type ToolErrorEnvelope, toolErrorEnvelopeSchema } from './gate/CompiledTool.ts';
export { compose, type Step } from './gate/compose.ts';
export { type CallRequest, Gate, type GateOptions } from './gate/Gate.ts';
export { idempotencyStep } from './gate/steps/idempotency.ts';
export { META_ATTEMPT, META_CALL_ID, META_REPLAYED } from './gate/toCallToolResult.ts';
export { canonicalJson, fingerprint } from './idempotency/fingerprint.ts';
export { type Claim, IdempotencyStore, type KeyId } from './idempotency/IdempotencyStore.ts';
export { coreMigrations } from './idempotency/migrations.ts';
export { domainSchema, emailSchema, normalizeDomain, normalizeEmail } from './idempotency/naturalKeys.ts';
export {
  type IdempotencyOptions,
  type ServerIdempotency,
  serverIdempotency,
} from './idempotency/serverIdempotency.ts';
export { decodeCursor, encodeCursor, type KeysetPageOptions, keysetPage } from './pagination/cursor.ts';
export { MIN_SECRET_LENGTH, REDACTED, Redactor } from './redact/Redactor.ts';
export { createServer, type ServerOptions, type TollgateServer } from './server/createServer.ts';
export {
  type AccessPolicy,
  DEFAULT_MAX_BODY_BYTES,
  type DeniedCall,
  type HttpListener,
  type HttpOptions,
  listenHttp,
} from './server/http.ts';
export { parseScopes } from './server/parseScopes.ts';
export { StdioTransport, type StdioTransportOptions } from './server/StdioTransport.ts';
export { type ServeOptions, type Serving, serve } from './server/serve.ts';
export {
  createStoredServer,
  openServerDatabase,
  type ServerSettings,
  type StoredServer,
  type StoredServerOptions,
  serverSettingsFromEnv,
} from './server/storedServer.ts';
export type { Database, Queryable, QueryResult } from './store/Database.ts';
export {
  isLazyDatabase,
  type LazyDatabase,
  type LazyDatabaseOptions,
  lazyDatabase,
  type OpenStep,
  whenOpen,
} from './store/lazyDatabase.ts';
export { type Migration, migrate } from './store/migrate.ts';
export {
  type OpenDatabaseOnUseOptions,
  type OpenDatabaseOptions,
  openDatabase,
  openDatabaseOnUse,
  pgliteSnapshot,
  tollgateHome,
} from './store/openDatabase.ts';
export { openPglite, type PgliteOptions, writePgliteSnapshot } from './store/PgliteDatabase.ts';
export { openPostgres, type PostgresOptions, redactUrl } from './store/PostgresDatabase.ts';
export { createLogger, type Logger, type LoggerOptions } from './telemetry/logger.ts';
export {
  contextFromMeta,
  injectIntoMeta,
  inSpan,
  startClientToolSpan,
  startTracing,
  type Tracing,
  type TracingOptions,
  tracingEnabled,
} from './telemetry/tracing.ts';
export {
  defineTool,
  IDEMPOTENCY_KEY_FIELD,
  type ObjectSchema,
  type Principal,
  principalOf,
  type ToolContext,
  type ToolDefinition,
  type ToolInput,
  type ToolKind,
  type ToolSpec,
} from './tool/defineTool.ts';
export { sensitive } from './tool/schemaWalk.ts';
export { ToolDefinitionError, validateTools } from './tool/validateTools.ts';
