import {
  ConflictError,
  InternalError,
  InvalidInputError,
  LockedError,
  NotFoundError,
  QuotaExhaustedError,
  RateLimitedError,
  TimeoutError,
  type ToolError,
  UpstreamContractViolationError,
  UpstreamUnavailableError,
} from '@tollgate/core';
import { FIELD_OF_PROPERTY } from './hubspotMapping.ts';
import { type ErrorEnvelope, errorEnvelopeSchema } from './hubspotSchemas.ts';

/*
 * HubSpot's signals, mapped to the error contract. Messages carry HubSpot's own message where it
 * helps the caller (a refused value, a conflict) and never anything from the request headers: the
 * token lives only in the Authorization header, so no error built here can contain it.
 */

// HubSpot asks clients to wait at least 2 s on a locked record.
const LOCK_WAIT_MS = 2000;
// Without headers: a second for the rolling window and for the per-second search limit.
const ROLLING_WAIT_MS = 1000;
const SECONDLY_WAIT_MS = 1000;

/**
 * How long to wait after a rolling-window 429. The window frees a slot every interval/max on
 * average, so about ten slots' worth lets a paced client resume without a new storm; waiting the
 * whole interval (10 s on HubSpot) would idle every worker far longer than the limit requires.
 */
function rollingWait(headers: Headers): number {
  const interval = positiveHeader(headers, 'x-hubspot-ratelimit-interval-milliseconds');
  const max = positiveHeader(headers, 'x-hubspot-ratelimit-max');
  if (interval === undefined || max === undefined) return ROLLING_WAIT_MS;
  return Math.min(interval, Math.max(250, Math.round((interval / max) * 10)));
}

function parseEnvelope(text: string): ErrorEnvelope | undefined {
  try {
    const parsed = errorEnvelopeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // gateway pages are HTML, not HubSpot's JSON
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function positiveHeader(headers: Headers, name: string): number | undefined {
  const value = Number(headers.get(name) ?? Number.NaN);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

// The correlation id is what HubSpot support asks for; it identifies a request, not a secret.
function baseDetails(status: number, envelope: ErrorEnvelope | undefined): Record<string, unknown> {
  return {
    upstream_status: status,
    ...(envelope?.category === undefined ? {} : { category: envelope.category }),
    ...(envelope?.correlationId === undefined ? {} : { correlation_id: envelope.correlationId }),
  };
}

/** The caller's fields a refusal names, as `details.issues`. */
function issues(envelope: ErrorEnvelope | undefined): { path: string; message: string }[] {
  return (envelope?.errors ?? []).flatMap((error) => {
    const field = error.in === undefined ? undefined : FIELD_OF_PROPERTY[error.in];
    return field === undefined ? [] : [{ path: field, message: error.message ?? 'refused by HubSpot' }];
  });
}

function invalidInput(envelope: ErrorEnvelope | undefined, base: Record<string, unknown>): ToolError {
  const named = issues(envelope);
  return new InvalidInputError(`HubSpot refused the values: ${envelope?.message ?? 'validation failed'}`, {
    hint:
      named.length > 0
        ? 'Fix the arguments named in details.issues and call again.'
        : 'The refusal names no argument of yours; if the message does not say what to change, report the ' +
          'call_id to the operator (the portal may lack the custom properties Tollgate writes).',
    details: { ...base, issues: named },
  });
}

function rateLimited(envelope: ErrorEnvelope | undefined, headers: Headers, base: Record<string, unknown>) {
  const policy =
    envelope?.policyName ??
    (headers.get('x-hubspot-ratelimit-daily-remaining') === '0' ? 'DAILY' : undefined);
  if (policy === 'DAILY') {
    return new QuotaExhaustedError(
      'HubSpot’s daily API limit for this account is used up; calls fail until it resets at the account’s midnight.',
      {
        hint: 'Stop calling the CRM until the daily limit resets; retrying before then only fails again.',
        details: { ...base, policy, daily_limit: headers.get('x-hubspot-ratelimit-daily') },
      },
    );
  }
  const fallback = policy === 'SECONDLY' ? SECONDLY_WAIT_MS : rollingWait(headers);
  return new RateLimitedError(`HubSpot’s ${policy ?? 'request'} rate limit was reached.`, {
    retryAfterMs: retryAfterMs(headers) ?? fallback,
    details: { ...base, policy: policy ?? null },
  });
}

/** The ToolError for a non-success HubSpot answer. `what` names the request, e.g. `POST /crm/v3/objects/tasks`. */
export function errorFromResponse(status: number, headers: Headers, text: string, what: string): ToolError {
  const envelope = parseEnvelope(text);
  const base = baseDetails(status, envelope);
  const retryAfter = retryAfterMs(headers);
  const wait = retryAfter === undefined ? {} : { retryAfterMs: retryAfter };
  if (status === 401 || status === 403) {
    // HubSpot's own text is left out on purpose: only the category is needed to act on it.
    return new InternalError(
      `HubSpot refused the CRM server’s credential (${envelope?.category ?? `HTTP ${status}`}).`,
      {
        hint: 'The server’s HubSpot token is invalid, expired or lacks scopes; retrying will not help. Report the call_id to the operator.',
        details: base,
      },
    );
  }
  if (status === 429) return rateLimited(envelope, headers, base);
  if (status === 423) {
    return new LockedError('HubSpot has locked the record for another write.', {
      retryAfterMs: retryAfter ?? LOCK_WAIT_MS,
      details: base,
    });
  }
  if (status === 409)
    return new ConflictError(envelope?.message ?? 'HubSpot reported a conflict.', { details: base });
  if (status === 404)
    return new NotFoundError(envelope?.message ?? `HubSpot has no such record (${what}).`, { details: base });
  if (status === 400 || status === 422) return invalidInput(envelope, base);
  if (status === 477 || status >= 500) {
    const why = status === 477 ? 'is migrating this account between data centres' : `answered HTTP ${status}`;
    return new UpstreamUnavailableError(`HubSpot ${why}.`, { ...wait, details: base });
  }
  return new UpstreamContractViolationError(`HubSpot answered ${what} with unexpected HTTP ${status}.`, {
    details: base,
  });
}

/** The ToolError for one failed input of a 207 batch answer. */
export function errorFromBatchItem(item: ErrorEnvelope): ToolError {
  const base = baseDetails(207, item);
  switch (item.category) {
    case 'VALIDATION_ERROR':
      return invalidInput(item, base);
    case 'CONFLICT':
      return new ConflictError(item.message, {
        hint: 'Another HubSpot record already holds one of these unique values. Read it, or merge the records in HubSpot.',
        details: base,
      });
    default:
      return new UpstreamContractViolationError(`HubSpot refused the input: ${item.message}`, {
        details: base,
      });
  }
}

/** The ToolError for a request that got no answer: a timeout, or no connection. */
export function errorFromTransport(error: unknown, what: string, timeoutMs: number): ToolError {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new TimeoutError(
      `HubSpot did not answer ${what} within ${timeoutMs} ms; a write may have happened.`,
      {
        details: { timeout_ms: timeoutMs },
      },
    );
  }
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return new UpstreamUnavailableError(
    `HubSpot could not be reached (${typeof code === 'string' ? code : 'network error'}).`,
    { cause: error },
  );
}
