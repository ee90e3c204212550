import {
  InternalError,
  QuotaExhaustedError,
  RateLimitedError,
  type ToolError,
  UpstreamContractViolationError,
  UpstreamUnavailableError,
} from '@tollgate/core';
import { pdlErrorBodySchema } from './pdlCompany.ts';
import { rateLimitRetryAfter, rateLimitWindows, retryAfterHeaderMs } from './retryAfter.ts';

const MAX_VENDOR_MESSAGE = 200;

/** PDL's own error type and message, when the body is its JSON envelope (gateway pages are HTML). */
function vendorFacts(body: string): Record<string, string> {
  try {
    const parsed = pdlErrorBodySchema.safeParse(JSON.parse(body));
    if (!parsed.success) return {};
    const { type, message } = parsed.data.error;
    return {
      vendor_error: type,
      ...(message === undefined ? {} : { vendor_message: message.slice(0, MAX_VENDOR_MESSAGE) }),
    };
  } catch {
    return {};
  }
}

/**
 * The ToolError for a vendor answer that is neither a match (200) nor a miss (404). Messages name
 * the HTTP status and never the request's headers, so the API key cannot end up in them.
 */
export function vendorError(status: number, headers: Headers, body: string): ToolError {
  const details = { vendor: 'pdl', vendor_status: status, ...vendorFacts(body) };
  if (status === 429) {
    const wait = rateLimitRetryAfter(headers);
    const limit = rateLimitWindows(headers.get('x-ratelimit-limit'));
    const remaining = rateLimitWindows(headers.get('x-ratelimit-remaining'));
    return new RateLimitedError(
      `The enrichment vendor's rate limit was reached. Retry after ${wait.ms} ms.`,
      {
        retryAfterMs: wait.ms,
        details: {
          ...details,
          retry_after_from: wait.from,
          ...(limit === undefined ? {} : { rate_limit: limit }),
          ...(remaining === undefined ? {} : { rate_limit_remaining: remaining }),
        },
      },
    );
  }
  if (status === 402) {
    return new QuotaExhaustedError('The enrichment vendor account is out of credits.', {
      hint: 'Stop enrichment lookups until an operator adds credits or the vendor billing period resets.',
      details: { ...details, credits: 'exhausted' },
    });
  }
  if (status === 401 || status === 403) {
    return new InternalError(`The enrichment vendor refused this server's API key (HTTP ${status}).`, {
      hint: 'An operator must check ENRICHMENT_API_KEY; retrying will not help.',
      details,
    });
  }
  if (status >= 500 || status === 477 || status === 408) {
    const retryAfterMs = retryAfterHeaderMs(headers);
    return new UpstreamUnavailableError(`The enrichment vendor failed with HTTP ${status}.`, {
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      details,
    });
  }
  if (status === 400) {
    return new InternalError('The enrichment vendor refused the request this server built (HTTP 400).', {
      details,
    });
  }
  return new UpstreamContractViolationError(
    `The enrichment vendor answered with unexpected HTTP ${status}.`,
    {
      details,
    },
  );
}
