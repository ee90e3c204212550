import { ERROR_CODES, type ErrorCode, isErrorCode } from './codes.ts';

const BRAND = Symbol.for('tollgate.ToolError');

export interface ToolErrorOptions {
  /** What the caller (often a model) should do next. Defaults to the code's standard hint. */
  hint?: string;
  /** Structured, caller-safe facts about the failure. Never put secrets here. */
  details?: Record<string, unknown>;
  /** For retryable errors: how long to wait before the next attempt. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A classified tool failure. The gate turns it into an `isError: true` result with
 * `structuredContent.error`; its `retryable` flag comes from the code table, never from the thrower.
 */
export class ToolError<C extends ErrorCode = ErrorCode> extends Error {
  readonly [BRAND] = true;
  readonly code: C;
  readonly retryable: boolean;
  readonly hint: string;
  readonly details: Record<string, unknown>;
  readonly retryAfterMs: number | undefined;

  constructor(code: C, message: string, options: ToolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolError';
    this.code = code;
    this.retryable = ERROR_CODES[code].retryable;
    this.hint = options.hint ?? ERROR_CODES[code].hint;
    this.details = options.details ?? {};
    this.retryAfterMs =
      options.retryAfterMs === undefined ? undefined : Math.max(0, Math.ceil(options.retryAfterMs));
  }
}

/**
 * True for a ToolError, also one thrown by another copy of this package (checked by brand and
 * shape, not by `instanceof` alone). Pass a code to narrow further.
 */
export function isToolError<C extends ErrorCode>(error: unknown, code?: C): error is ToolError<C> {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as Partial<ToolError> & { [BRAND]?: unknown };
  if (candidate[BRAND] !== true || !isErrorCode(candidate.code)) return false;
  return code === undefined || candidate.code === code;
}

/** True when the error is a ToolError the caller may retry. */
export function isRetryable(error: unknown): boolean {
  return isToolError(error) && error.retryable;
}

type ErrorClass<C extends ErrorCode> = new (message: string, options?: ToolErrorOptions) => ToolError<C>;

function errorClass<C extends ErrorCode>(code: C, name: string): ErrorClass<C> {
  const cls = class extends ToolError<C> {
    constructor(message: string, options?: ToolErrorOptions) {
      super(code, message, options);
      this.name = name;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export const RateLimitedError = errorClass('rate_limited', 'RateLimitedError');
export const UpstreamUnavailableError = errorClass('upstream_unavailable', 'UpstreamUnavailableError');
export const TimeoutError = errorClass('timeout', 'TimeoutError');
export const LockedError = errorClass('locked', 'LockedError');
export const IdempotencyInProgressError = errorClass('idempotency_in_progress', 'IdempotencyInProgressError');
export const InvalidInputError = errorClass('invalid_input', 'InvalidInputError');
export const NotFoundError = errorClass('not_found', 'NotFoundError');
export const ForbiddenError = errorClass('forbidden', 'ForbiddenError');
export const ConflictError = errorClass('conflict', 'ConflictError');
export const QuotaExhaustedError = errorClass('quota_exhausted', 'QuotaExhaustedError');
export const IdempotencyKeyReusedError = errorClass('idempotency_key_reused', 'IdempotencyKeyReusedError');
export const UpstreamContractViolationError = errorClass(
  'upstream_contract_violation',
  'UpstreamContractViolationError',
);
export const InternalError = errorClass('internal', 'InternalError');

/**
 * The one boundary where anything thrown becomes a ToolError. Unknown throws become `internal`
 * with a generic message; the original stays as `cause` for the log and never reaches the caller.
 */
export function toToolError(error: unknown, callId: string): ToolError {
  if (isToolError(error)) return error;
  return new InternalError('The tool failed unexpectedly.', {
    details: { call_id: callId },
    cause: error,
  });
}
