import {
  TimeoutError,
  type ToolError,
  UpstreamContractViolationError,
  UpstreamUnavailableError,
} from '@tollgate/core';
import { type PdlCompany, pdlCompanySchema, pdlErrorBodySchema } from './pdlCompany.ts';
import { vendorError } from './vendorError.ts';

/** Where the vendor is and how to reach it; the key is the server's own, never a caller's. */
export interface PdlClientOptions {
  /** Base URL of the vendor API, e.g. `https://api.peopledatalabs.com/`. */
  url: string | URL;
  apiKey: string;
  /** How long one request may take, headers and body together. Default 5000 ms. */
  timeoutMs?: number | undefined;
  /** Matches the vendor is less sure of (1-10) count as not found. Default 2, PDL's own default. */
  minLikelihood?: number | undefined;
  /** How requests are sent; default the global `fetch` (a test passes one that injects faults). */
  fetch?: typeof fetch | undefined;
}

/** What a lookup found: a validated company record, or nothing (which is not an error). */
export type PdlLookup = { status: 'matched'; company: PdlCompany } | { status: 'not_found' };

/** How long one vendor request may take unless configured otherwise. */
export const DEFAULT_VENDOR_TIMEOUT_MS = 5000;
const ENRICH_PATH = 'v5/company/enrich';
const BULK_PATH = 'v5/company/enrich/bulk';
/** People Data Labs' cap on requests in one bulk enrichment. */
export const MAX_BULK_LOOKUPS = 100;
const MAX_ISSUES = 10;

/** A People Data Labs–style company enrichment client that turns every vendor failure into a ToolError. */
export class PdlClient {
  readonly #endpoint: URL;
  readonly #bulkEndpoint: URL;
  readonly #apiKey: string;
  readonly #minLikelihood: number;
  readonly #fetch: typeof fetch;
  readonly timeoutMs: number;

  constructor(options: PdlClientOptions) {
    const base = new URL(options.url);
    // Without a trailing slash, resolving the path would replace the base's last segment.
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.#endpoint = new URL(ENRICH_PATH, base);
    this.#bulkEndpoint = new URL(BULK_PATH, base);
    this.#apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_VENDOR_TIMEOUT_MS;
    this.#minLikelihood = options.minLikelihood ?? 2;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** Looks a company up by its normalized domain; `signal` is the caller's (the tool call's) cancellation. */
  async enrichCompany(domain: string, signal: AbortSignal): Promise<PdlLookup> {
    const url = new URL(this.#endpoint);
    url.searchParams.set('website', domain);
    url.searchParams.set('min_likelihood', String(this.#minLikelihood));
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let status: number;
    let headers: Headers;
    let body: string;
    try {
      const response = await this.#fetch(url, {
        headers: { 'X-Api-Key': this.#apiKey, accept: 'application/json' },
        signal: AbortSignal.any([signal, timeout]),
      });
      status = response.status;
      headers = response.headers;
      // The body can stall after the headers arrive; the same signals cover it.
      body = await response.text();
    } catch (error) {
      throw this.#transportError(error, timeout, signal);
    }
    if (status === 200) return { status: 'matched', company: parseCompany(body) };
    if (status === 404) return notFound(body);
    throw vendorError(status, headers, body, this.#apiKey);
  }

  /**
   * Looks up to 100 companies up in one Bulk Company Enrichment request, answered in the order
   * asked: each a match, not found, or that lookup's own error. PDL bills each match as a single
   * lookup would; a failure of the whole request (a bad key, no credits, a rate limit, an outage)
   * throws, as `enrichCompany` does.
   */
  async enrichCompanies(domains: readonly string[], signal: AbortSignal): Promise<(PdlLookup | ToolError)[]> {
    if (domains.length > MAX_BULK_LOOKUPS) {
      throw new RangeError(`A bulk enrichment takes at most ${MAX_BULK_LOOKUPS} companies.`);
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let status: number;
    let headers: Headers;
    let body: string;
    try {
      const response = await this.#fetch(this.#bulkEndpoint, {
        method: 'POST',
        headers: {
          'X-Api-Key': this.#apiKey,
          accept: 'application/json',
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          requests: domains.map((website) => ({ params: { website, min_likelihood: this.#minLikelihood } })),
        }),
        signal: AbortSignal.any([signal, timeout]),
      });
      status = response.status;
      headers = response.headers;
      body = await response.text();
    } catch (error) {
      throw this.#transportError(error, timeout, signal);
    }
    if (status !== 200) throw vendorError(status, headers, body, this.#apiKey);
    let answers: unknown;
    try {
      answers = JSON.parse(body);
    } catch {
      answers = undefined;
    }
    if (!Array.isArray(answers) || answers.length !== domains.length) {
      throw new UpstreamContractViolationError(
        `The enrichment vendor's bulk answer is not a list of ${domains.length} answers.`,
        { details: { vendor: 'pdl' } },
      );
    }
    return answers.map((answer: unknown): PdlLookup | ToolError => {
      const itemStatus = (answer as { status?: unknown } | null)?.status;
      const text = JSON.stringify(answer);
      try {
        if (itemStatus === 200) return { status: 'matched', company: parseCompany(text) };
        if (itemStatus === 404) return notFound(text);
        return vendorError(typeof itemStatus === 'number' ? itemStatus : 502, headers, text, this.#apiKey);
      } catch (error) {
        return error as ToolError;
      }
    });
  }

  #transportError(error: unknown, timeout: AbortSignal, caller: AbortSignal): Error {
    if (timeout.aborted) {
      return new TimeoutError(`The enrichment vendor did not answer within ${this.timeoutMs} ms.`, {
        details: { vendor: 'pdl', timeout_ms: this.timeoutMs },
      });
    }
    if (caller.aborted) {
      return new TimeoutError('The call was cancelled or reached its deadline before the vendor answered.', {
        details: { vendor: 'pdl' },
      });
    }
    // undici reports the socket-level reason (ECONNREFUSED, ECONNRESET…) as the cause.
    const cause = error instanceof Error ? error.cause : undefined;
    const code =
      typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
    return new UpstreamUnavailableError('The enrichment vendor could not be reached.', {
      details: { vendor: 'pdl', ...(code === undefined ? {} : { reason: code }) },
      cause: error,
    });
  }
}

function parseCompany(body: string): PdlCompany {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new UpstreamContractViolationError(
      'The enrichment vendor answered 200 with a body that is not JSON.',
      {
        details: { vendor: 'pdl' },
      },
    );
  }
  const parsed = pdlCompanySchema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new UpstreamContractViolationError(
    'The enrichment vendor answered in a shape this server does not accept.',
    {
      details: {
        vendor: 'pdl',
        issues: parsed.error.issues
          .slice(0, MAX_ISSUES)
          .map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      },
    },
  );
}

/**
 * PDL answers 404 for an unknown company (unbilled). Only its JSON error body counts as "not found":
 * an HTML 404 means a wrong base URL, which must not be cached as a week of misses.
 */
function notFound(body: string): PdlLookup {
  try {
    if (pdlErrorBodySchema.safeParse(JSON.parse(body)).success) return { status: 'not_found' };
  } catch {
    // fall through
  }
  throw new UpstreamContractViolationError(
    'The enrichment vendor answered 404 without its error body; is ENRICHMENT_VENDOR_URL right?',
    { details: { vendor: 'pdl', vendor_status: 404 } },
  );
}
