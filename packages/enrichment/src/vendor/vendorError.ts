import {
  InternalError,
  QuotaExhaustedError,
  RateLimitedError,
  type ToolError,
  UpstreamContractViolationError,
  UpstreamUnavailableError,
} from '@tollgate/core';
import { Redactor } from '@tollgate/core/telemetry';
import { pdlErrorBodySchema } from './pdlCompany.ts';
import { rateLimitRetryAfter, rateLimitWindows, retryAfterHeaderMs } from './retryAfter.ts';

const MAX_VENDOR_MESSAGE = 200;

/**
 * PDL's own error type and message, when the body is its JSON envelope (gateway pages are HTML).
 * The message is the vendor's free text and may echo what it was sent, the key included: the key is
 * removed before the message is cut (a cut first could leave part of a key straddling the cut), and
 * a refusal of the key (401/403) forwards no message at all, since that is where a vendor quotes the
 * key it refused, in part or whole, and the hint already says what to check.
 */
function vendorFacts(status: number, body: string, redactor: Redactor): Record<string, string> {
  try {
    const parsed = pdlErrorBodySchema.safeParse(JSON.parse(body));
    if (!parsed.success) return {};
    const { type, message } = parsed.data.error;
    const forward = message !== undefined && status !== 401 && status !== 403;
    return {
      vendor_error: redactor.string(type).slice(0, MAX_VENDOR_MESSAGE),
      ...(forward ? { vendor_message: redactor.string(message).slice(0, MAX_VENDOR_MESSAGE) } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * The ToolError for a vendor answer that is neither a match (200) nor a miss (404). Messages name
 * the HTTP status and never the request's headers, so the API key cannot end up in them.
 */
export function vendorError(status: number, headers: Headers, body: string, apiKey: string): ToolError {
  const details = {
    vendor: 'pdl',
    vendor_status: status,
    ...vendorFacts(status, body, new Redactor().with([apiKey])),
  };
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
