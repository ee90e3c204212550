import { companyByDomain, DEFAULT_SEED, type DemoCompany, demoCompanies } from '@tollgate/gtm-data';
import * as z from 'zod';
import { faultConfigSchema } from '../faults.ts';
import type { SimRequest, SimResponse } from '../http/exchange.ts';
import { gatewayPage, serverErrorStatus } from '../http/gatewayPage.ts';
import { type SimulatorServer, startSimulatorServer, type Vendor } from '../http/simulatorServer.ts';
import { FixedWindow } from '../limits/FixedWindow.ts';
import { listenOptionsSchema, seedSchema } from '../options.ts';
import { pdlError } from './pdlErrors.ts';
import { reshapePdlRecord, toPdlRecord } from './pdlRecord.ts';

/** The API key the enrichment simulator accepts unless told otherwise. */
export const DEFAULT_ENRICHMENT_API_KEY = 'sim-pdl-key-0000-local-only';

export const enrichmentSimulatorOptionsSchema = z
  .object({
    ...listenOptionsSchema.shape,
    seed: seedSchema.default(DEFAULT_SEED),
    /** Accepted in `X-Api-Key` (or the `api_key` query parameter, as PDL also allows). */
    apiKey: z.string().min(16).default(DEFAULT_ENRICHMENT_API_KEY),
    /** The vendor's database; default `demoCompanies(seed, companyCount)`. */
    companies: z.custom<readonly DemoCompany[]>((value) => Array.isArray(value)).optional(),
    companyCount: z.number().int().min(0).default(1000),
    /** Matches the account may still pay for; each 200 costs one, a 404 costs nothing. */
    credits: z.number().int().min(0).default(100_000),
    /** PDL's fixed window: `limit` requests per `windowMs`, windows aligned to simulator start. */
    rateLimit: z
      .object({
        limit: z.number().int().min(0).default(1000),
        windowMs: z.number().positive().default(60_000),
      })
      .prefault({}),
    faults: faultConfigSchema.optional(),
  })
  .strict();

/** Options for {@link startEnrichmentSimulator}; every field is optional. */
export type EnrichmentSimulatorOptions = z.input<typeof enrichmentSimulatorOptionsSchema>;

export interface EnrichmentStats {
  credits: { limit: number; used: number; remaining: number };
  matches: number;
  notFound: number;
}

/** A running enrichment simulator. */
export interface EnrichmentSimulator extends SimulatorServer<EnrichmentStats> {
  readonly apiKey: string;
  readonly companies: readonly DemoCompany[];
}

const ENRICH_PATH = '/v5/company/enrich';
const BULK_PATH = '/v5/company/enrich/bulk';
/** PDL's cap on requests in one bulk enrichment. */
export const MAX_BULK_REQUESTS = 100;

const bulkBodySchema = z.object({
  requests: z.array(
    z.object({
      params: z.record(z.string(), z.unknown()),
      metadata: z.unknown().optional(),
    }),
  ),
});
// PDL documents min_likelihood on a 1-10 scale with a low default; 2 is our reading of it.
const DEFAULT_MIN_LIKELIHOOD = 2;

/**
 * Starts a People Data Labs–style company enrichment API on loopback:
 * `GET /v5/company/enrich?website=<domain>&min_likelihood=<n>` with `X-Api-Key`.
 *
 * @example
 * const pdl = await startEnrichmentSimulator({ seed: 7, rateLimit: { limit: 10, windowMs: 200 } });
 * await fetch(new URL('/v5/company/enrich?website=acme.com', pdl.url), { headers: { 'X-Api-Key': pdl.apiKey } });
 */
export async function startEnrichmentSimulator(
  options: EnrichmentSimulatorOptions = {},
): Promise<EnrichmentSimulator> {
  const config = enrichmentSimulatorOptionsSchema.parse(options);
  const companies = config.companies ?? demoCompanies(config.seed, config.companyCount);
  const window = new FixedWindow(config.rateLimit.limit, config.rateLimit.windowMs, Date.now());
  let used = 0;
  let matches = 0;
  let notFound = 0;
  const remainingCredits = (): number => Math.max(0, config.credits - used);

  const enrich = (req: SimRequest): SimResponse =>
    lookup(req.url.searchParams.get('website'), req.url.searchParams.get('min_likelihood'));

  /** One company lookup, as the single endpoint answers it and as each answer of a bulk is. */
  const lookup = (website: string | null, rawMin: string | null): SimResponse => {
    if (!website) {
      return pdlError(
        400,
        'invalid_request_error',
        'Request needs one of: website, name, profile, ticker or pdl_id',
      );
    }
    const minLikelihood = rawMin === null ? DEFAULT_MIN_LIKELIHOOD : Number(rawMin);
    if (!Number.isInteger(minLikelihood) || minLikelihood < 0 || minLikelihood > 10) {
      return pdlError(400, 'invalid_request_error', 'min_likelihood must be an integer from 0 to 10');
    }
    // Out of credits means every lookup is refused, match or not.
    if (remainingCredits() === 0) {
      return pdlError(402, 'payment_required', 'You have hit your account maximum for company enrichment');
    }
    const company = companyByDomain(companies, website);
    if (company === undefined || !company.enrichable || company.likelihood < minLikelihood) {
      notFound++;
      return pdlError(404, 'not_found', 'No records were found matching your request', {
        'x-call-credits-spent': '0',
      });
    }
    used++;
    matches++;
    return { status: 200, body: toPdlRecord(company), headers: { 'x-call-credits-spent': '1' } };
  };

  /**
   * `POST /v5/company/enrich/bulk`: up to 100 requests, each `{ params, metadata? }` with the single
   * endpoint's parameters, answered as a JSON array in request order: each element what the single
   * endpoint would answer (`status` 200 with the record, 404 with its error), plus the request's
   * `metadata`. Credits count per 200, as single calls would; the bulk is one request against the
   * rate limit. Out of credits, or a malformed bulk, fails the whole request.
   */
  const bulk = (req: SimRequest): SimResponse => {
    const parsed = bulkBodySchema.safeParse(req.body);
    if (!parsed.success) {
      return pdlError(400, 'invalid_request_error', 'Request body needs "requests": a list of { params }');
    }
    const { requests } = parsed.data;
    if (requests.length === 0 || requests.length > MAX_BULK_REQUESTS) {
      return pdlError(
        400,
        'invalid_request_error',
        `A bulk request takes 1 to ${MAX_BULK_REQUESTS} requests; got ${requests.length}`,
      );
    }
    if (remainingCredits() === 0) {
      return pdlError(402, 'payment_required', 'You have hit your account maximum for company enrichment');
    }
    const answers = requests.map(({ params, metadata }) => {
      const one = (value: unknown) =>
        Array.isArray(value)
          ? value[0] === undefined
            ? null
            : String(value[0])
          : value == null
            ? null
            : String(value);
      const answer = lookup(one(params.website), one(params.min_likelihood));
      const body = answer.body as Record<string, unknown>;
      return { ...body, status: answer.status, ...(metadata === undefined ? {} : { metadata }) };
    });
    const spent = answers.filter((answer) => answer.status === 200).length;
    return { status: 200, body: answers, headers: { 'x-call-credits-spent': String(spent) } };
  };

  const vendor: Vendor<EnrichmentStats> = {
    handle: (req) => {
      const single = req.method === 'GET' && req.url.pathname === ENRICH_PATH;
      const many = req.method === 'POST' && req.url.pathname === BULK_PATH;
      if (!single && !many) {
        return pdlError(404, 'not_found', `No route ${req.method} ${req.url.pathname}`);
      }
      const key = req.headers['x-api-key'] ?? req.url.searchParams.get('api_key');
      if (!key) return pdlError(401, 'authentication_error', 'No API key was provided');
      if (key !== config.apiKey) return pdlError(401, 'authentication_error', 'Invalid API key');
      if (!window.take().allowed) {
        return pdlError(
          429,
          'rate_limit_error',
          'An error occurred due to requests hitting the API too quick',
        );
      }
      return single ? enrich(req) : bulk(req);
    },
    outage: (faults) => gatewayPage(503, faults.retryAfterSeconds),
    fault: (kind, _req, variant) => {
      if (kind === 'rate_limit') {
        return pdlError(
          429,
          'rate_limit_error',
          'An error occurred due to requests hitting the API too quick',
          {
            'x-ratelimit-remaining': JSON.stringify({ minute: 0 }),
          },
        );
      }
      if (kind === 'server_error') {
        const status = serverErrorStatus(variant);
        return status === 503
          ? pdlError(503, 'api_error', 'The service is temporarily unavailable')
          : gatewayPage(status);
      }
      return undefined; // PDL has no record locks or account migrations
    },
    reshape: reshapePdlRecord,
    badRequest: (message) => pdlError(400, 'invalid_request_error', message),
    headers: () => {
      const state = window.peek();
      // PDL sends per-window JSON here ({"minute": 6}), not a bare number: clients that parseInt it get NaN.
      return {
        'x-ratelimit-limit': JSON.stringify({ minute: state.limit }),
        'x-ratelimit-remaining': JSON.stringify({ minute: state.remaining }),
        'x-ratelimit-reset': new Date(state.resetAt).toISOString(),
        'x-totallimit-remaining': String(remainingCredits()),
        'x-call-credits-type': 'enrich_company',
      };
    },
    stats: () => ({
      credits: { limit: config.credits, used, remaining: remainingCredits() },
      matches,
      notFound,
    }),
  };

  const server = await startSimulatorServer(vendor, {
    seed: config.seed,
    faults: config.faults,
    ...(config.host === undefined ? {} : { host: config.host }),
    ...(config.port === undefined ? {} : { port: config.port }),
  });
  return { ...server, apiKey: config.apiKey, companies };
}
