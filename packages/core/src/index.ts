/**
 * `@tollgate/core`: what a server author needs — define tools, create a server, throw typed errors.
 * Everything else is on a subpath: `/store` (databases and migrations), `/http` (the HTTP listener
 * and token auth), `/client` (calling Tollgate tools), `/telemetry` (logs, traces, redaction),
 * `/settings` (environment settings of the project's own servers). Test support is a package of
 * its own, `@tollgate/testing`. `src/exports.test.ts` pins this list.
 */
export { ERROR_CODES, type ErrorCode, isErrorCode } from './errors/codes.ts';
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
export { domainSchema, emailSchema, normalizeDomain, normalizeEmail } from './idempotency/naturalKeys.ts';
export { type KeysetPageOptions, keysetPage } from './pagination/cursor.ts';
export {
  createServer,
  type ServerOptions,
  type Serving,
  type StartOptions,
  type TollgateServer,
} from './server/createServer.ts';
export { StdioTransport, type StdioTransportOptions } from './server/StdioTransport.ts';
export type { StoreOption } from './server/serverStore.ts';
export {
  type BatchInput,
  type BatchOutput,
  type BatchSpec,
  type BatchToolContract,
  type BatchToolSpec,
  batchToolContract,
  defineBatchTool,
} from './tool/defineBatchTool.ts';
export {
  defineTool,
  IDEMPOTENCY_KEY_FIELD,
  type ObjectSchema,
  type Principal,
  type ToolContext,
  type ToolDefinition,
  type ToolInput,
  type ToolKind,
  type ToolSpec,
} from './tool/defineTool.ts';
export { sensitive } from './tool/schemaWalk.ts';
export {
  type ServerContract,
  serverContract,
  type ToolContract,
  toolContract,
} from './tool/toolContract.ts';
export { ToolDefinitionError } from './tool/validateTools.ts';
