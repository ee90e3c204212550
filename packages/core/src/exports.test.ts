// The types a server author names, from the root: a name dropped here fails the type check.
import type {
  BatchToolContract,
  BatchToolSpec,
  ErrorCode,
  KeysetPageOptions,
  Principal,
  ServerContract,
  ServerOptions,
  Serving,
  StartOptions,
  StoreOption,
  TollgateServer,
  ToolContext,
  ToolContract,
  ToolDefinition,
  ToolErrorOptions,
  ToolInput,
  ToolKind,
  ToolSpec,
} from '@tollgate/core';
import { describe, expect, it } from 'vitest';

export type RootTypes = [
  BatchToolContract<never, never, 'read'>,
  BatchToolSpec<never, never, 'read'>,
  ErrorCode,
  KeysetPageOptions<unknown>,
  Principal,
  ServerContract<[]>,
  ServerOptions,
  Serving,
  StartOptions,
  StoreOption,
  ToolContext,
  ToolContract,
  ToolDefinition,
  ToolErrorOptions,
  ToolInput<never, 'read'>,
  ToolKind,
  ToolSpec<never, never, 'read'>,
  TollgateServer,
];

/**
 * The root of `@tollgate/core` is what a server author needs and no more: a name added here is a
 * promise to every outside project, so adding one is a decision, made in this list. The rest lives
 * on subpaths (see packages/core/README.md).
 */
const ROOT = [
  'ConflictError',
  'ERROR_CODES',
  'ForbiddenError',
  'IDEMPOTENCY_KEY_FIELD',
  'IdempotencyInProgressError',
  'IdempotencyKeyReusedError',
  'InternalError',
  'InvalidInputError',
  'LockedError',
  'NotFoundError',
  'QuotaExhaustedError',
  'RateLimitedError',
  'StdioTransport',
  'TimeoutError',
  'ToolDefinitionError',
  'ToolError',
  'UpstreamContractViolationError',
  'UpstreamUnavailableError',
  'batchToolContract',
  'createServer',
  'defineBatchTool',
  'defineTool',
  'domainSchema',
  'emailSchema',
  'isErrorCode',
  'isRetryable',
  'isToolError',
  'keysetPage',
  'normalizeDomain',
  'normalizeEmail',
  'sensitive',
  'serverContract',
  'toToolError',
  'toolContract',
];

describe('the public API of @tollgate/core', () => {
  it('exports exactly the pinned names from its root', async () => {
    const root = await import('@tollgate/core');
    expect(Object.keys(root).sort()).toEqual([...ROOT].sort());
  });

  it.each([
    ['store', ['openDatabase', 'openPostgres', 'openPglite', 'migrate']],
    ['http', ['listenHttp', 'createTokenVerifier', 'protectedResourceMetadata']],
    ['client', ['toolErrorEnvelopeSchema', 'META_REPLAYED', 'META_ATTEMPT']],
    ['telemetry', ['createLogger', 'startTracing', 'Redactor']],
    ['settings', ['openServerDatabase', 'readJsonSettingsFile', 'parseJsonSettings', 'parseScopes']],
  ])('serves @tollgate/core/%s, with none of the root names', async (subpath, names) => {
    const module: Record<string, unknown> = await import(`@tollgate/core/${subpath}`);
    for (const name of names) expect(typeof module[name], name).not.toBe('undefined');
    expect(Object.keys(module).filter((name) => ROOT.includes(name))).toEqual([]);
  });

  it('serves no test support: that is @tollgate/testing, a dev dependency', async () => {
    const subpath = 'testing';
    await expect(import(`@tollgate/core/${subpath}`)).rejects.toThrow();
  });
});
