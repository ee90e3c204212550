import { isToolError, type ToolError } from '@tollgate/core';
import { type EnrichmentSimulator, startEnrichmentSimulator } from '@tollgate/simulators';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FULL_COMPANY,
  PARTIAL_COMPANY,
  startStubVendor,
  TEST_API_KEY,
  TEST_COMPANIES,
} from '../../test/testFixtures.ts';
import { PdlClient, type PdlClientOptions } from './PdlClient.ts';

const live = new AbortController().signal;

async function failure(promise: Promise<unknown>): Promise<ToolError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!isToolError(error)) throw new Error(`expected a ToolError, got ${String(error)}`);
  expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(TEST_API_KEY);
  return error;
}

describe('PdlClient against the enrichment simulator', () => {
  let sim: EnrichmentSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  async function client(
    simOptions: Parameters<typeof startEnrichmentSimulator>[0] = {},
    options: Partial<PdlClientOptions> = {},
  ): Promise<PdlClient> {
    sim = await startEnrichmentSimulator({ apiKey: TEST_API_KEY, companies: TEST_COMPANIES, ...simOptions });
    return new PdlClient({ url: sim.url, apiKey: TEST_API_KEY, timeoutMs: 1000, ...options });
  }

  it('returns the validated record of a match, nulls included', async () => {
    const pdl = await client();
    const found = await pdl.enrichCompany(PARTIAL_COMPANY.domain, live);
    expect(found).toMatchObject({
      status: 'matched',
      company: { likelihood: 7, display_name: 'Acme Analytics', founded: null, inferred_revenue: null },
    });
  });

  it('answers not_found, without an error, for a domain the vendor does not know', async () => {
    const pdl = await client();
    expect(await pdl.enrichCompany('nobody-knows.example', live)).toEqual({ status: 'not_found' });
  });

  it('counts matches below min_likelihood as not found', async () => {
    const pdl = await client({}, { minLikelihood: 8 });
    expect(await pdl.enrichCompany(PARTIAL_COMPANY.domain, live)).toEqual({ status: 'not_found' });
    expect((await pdl.enrichCompany(FULL_COMPANY.domain, live)).status).toBe('matched');
  });

  it('turns a 429 into rate_limited, waiting until x-ratelimit-reset', async () => {
    const pdl = await client({ rateLimit: { limit: 1, windowMs: 2000 } });
    await pdl.enrichCompany(FULL_COMPANY.domain, live);
    const error = await failure(pdl.enrichCompany(FULL_COMPANY.domain, live));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(2000);
    expect(error.details).toMatchObject({
      retry_after_from: 'x-ratelimit-reset',
      rate_limit: { minute: 1 },
      rate_limit_remaining: { minute: 0 },
    });
  });

  it('turns a 402 into a terminal quota_exhausted that says the credits are out', async () => {
    const pdl = await client({ credits: 0 });
    const error = await failure(pdl.enrichCompany(FULL_COMPANY.domain, live));
    expect(error).toMatchObject({ code: 'quota_exhausted', retryable: false });
    expect(error.details).toMatchObject({ credits: 'exhausted', vendor_status: 402 });
  });

  it('turns a refused key into internal without repeating the key', async () => {
    sim = await startEnrichmentSimulator({ apiKey: TEST_API_KEY, companies: TEST_COMPANIES });
    const wrongKey = 'wrong-key-1234567890-abcdef';
    const pdl = new PdlClient({ url: sim.url, apiKey: wrongKey });
    const error = await failure(pdl.enrichCompany(FULL_COMPANY.domain, live));
    expect(error).toMatchObject({ code: 'internal', details: { vendor_status: 401 } });
    expect(
      JSON.stringify({ message: error.message, hint: error.hint, details: error.details }),
    ).not.toContain(wrongKey);
  });

  it('turns gateway pages and 503s into retryable upstream_unavailable', async () => {
    const pdl = await client({ faults: { errors: { server_error: 1 } } });
    const errors = await Promise.all(
      Array.from({ length: 9 }, () => failure(pdl.enrichCompany(FULL_COMPANY.domain, live))),
    );
    const statuses = new Set(errors.map((error) => error.details.vendor_status));
    expect(statuses.size).toBeGreaterThan(1);
    for (const error of errors)
      expect(error).toMatchObject({ code: 'upstream_unavailable', retryable: true });
  });

  it('takes the wait of an outage from its Retry-After', async () => {
    const pdl = await client({ faults: { outages: [{ startMs: 0 }], retryAfterSeconds: 3 } });
    const error = await failure(pdl.enrichCompany(FULL_COMPANY.domain, live));
    expect(error).toMatchObject({ code: 'upstream_unavailable', retryAfterMs: 3000 });
  });

  it('gives up on a hung request at its own timeout', async () => {
    const pdl = await client({ faults: { hang: 1 } }, { timeoutMs: 100 });
    const started = Date.now();
    const error = await failure(pdl.enrichCompany(FULL_COMPANY.domain, live));
    expect(error).toMatchObject({ code: 'timeout', details: { timeout_ms: 100 } });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops when the caller aborts', async () => {
    const pdl = await client({ faults: { hang: 1 } }, { timeoutMs: 5000 });
    const caller = new AbortController();
    setTimeout(() => caller.abort(), 50);
    const error = await failure(pdl.enrichCompany(FULL_COMPANY.domain, caller.signal));
    expect(error.code).toBe('timeout');
    expect(error.details).not.toHaveProperty('timeout_ms');
  });

  it('refuses a changed shape as upstream_contract_violation naming the fields', async () => {
    const pdl = await client({ faults: { shapeChange: 1 } });
    const error = await failure(pdl.enrichCompany(FULL_COMPANY.domain, live));
    expect(error.code).toBe('upstream_contract_violation');
    const paths = (error.details.issues as { path: string }[]).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['likelihood', 'employee_count']));
  });
});

describe('PdlClient against other answers', () => {
  it('turns a refused connection into upstream_unavailable', async () => {
    const stub = await startStubVendor(() => undefined);
    await stub.close();
    const pdl = new PdlClient({ url: stub.url, apiKey: TEST_API_KEY });
    const error = await failure(pdl.enrichCompany(FULL_COMPANY.domain, live));
    expect(error).toMatchObject({ code: 'upstream_unavailable', details: { reason: 'ECONNREFUSED' } });
  });

  it('does not take an HTML 404 (a wrong base URL) for "not found"', async () => {
    const stub = await startStubVendor((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
    });
    try {
      const pdl = new PdlClient({ url: stub.url, apiKey: TEST_API_KEY });
      const error = await failure(pdl.enrichCompany(FULL_COMPANY.domain, live));
      expect(error.code).toBe('upstream_contract_violation');
    } finally {
      await stub.close();
    }
  });

  it('sends the key in X-Api-Key, never in the URL, under the base path it was given', async () => {
    const seen: { url?: string | undefined; key?: string | string[] | undefined } = {};
    const stub = await startStubVendor((req, res) => {
      seen.url = req.url;
      seen.key = req.headers['x-api-key'];
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 404, error: { type: 'not_found', message: 'No records' } }));
    });
    try {
      const pdl = new PdlClient({ url: new URL('/pdl', stub.url), apiKey: TEST_API_KEY, minLikelihood: 5 });
      await pdl.enrichCompany('acme.com', live);
      expect(seen).toEqual({
        url: '/pdl/v5/company/enrich?website=acme.com&min_likelihood=5',
        key: TEST_API_KEY,
      });
    } finally {
      await stub.close();
    }
  });
});
