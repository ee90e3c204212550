import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, call, sleep } from '../../test/testSupport.ts';
import type { PdlCompanyRecord } from './pdlRecord.ts';
import { type EnrichmentSimulator, startEnrichmentSimulator } from './startEnrichmentSimulator.ts';

const enrich = (sim: EnrichmentSimulator, query: string, key: string | null = sim.apiKey): Promise<Answer> =>
  call(sim.url, `/v5/company/enrich?${query}`, { headers: key === null ? {} : { 'X-Api-Key': key } });

describe('the enrichment simulator', () => {
  let sim: EnrichmentSimulator;
  beforeAll(async () => {
    sim = await startEnrichmentSimulator({ seed: 21, companyCount: 300 });
  });
  afterAll(() => sim.close());

  const known = () => sim.companies.find((c) => c.enrichable && c.likelihood >= 6 && c.location?.locality);
  const unknown = () => sim.companies.find((c) => !c.enrichable);

  it('answers a bulk enrichment in request order, as one request, billing each match', async () => {
    const company = known();
    const before = sim.stats();
    const answer = await call(sim.url, '/v5/company/enrich/bulk', {
      method: 'POST',
      headers: { 'X-Api-Key': sim.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: [
          { params: { website: unknown()?.domain }, metadata: { row: 1 } },
          { params: { website: [company?.domain] }, metadata: { row: 2 } },
          { params: {} },
        ],
      }),
    });
    expect(answer.status).toBe(200);
    const body = answer.body as {
      status: number;
      metadata?: unknown;
      name?: string;
      error?: { type: string };
    }[];
    expect(body.map((item) => [item.status, item.metadata ?? null])).toEqual([
      [404, { row: 1 }],
      [200, { row: 2 }],
      [400, null],
    ]);
    expect(body[1]?.name).toBe(company?.name.toLowerCase());
    expect(answer.headers.get('x-call-credits-spent')).toBe('1');
    const after = sim.stats();
    expect(after.requests - before.requests).toBe(1);
    expect(after.credits.used - before.credits.used).toBe(1);
    const tooMany = await call(sim.url, '/v5/company/enrich/bulk', {
      method: 'POST',
      headers: { 'X-Api-Key': sim.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: Array.from({ length: 101 }, () => ({ params: { website: 'a.com' } })),
      }),
    });
    expect(tooMany.status).toBe(400);
  });

  it('binds loopback on a free port', () => {
    expect(sim.url.hostname).toBe('127.0.0.1');
    expect(Number(sim.url.port)).toBeGreaterThan(0);
  });

  it('returns a flat PDL-style record with likelihood and firmographics for a known domain', async () => {
    const company = known();
    const answer = await enrich(sim, `website=https://www.${company?.domain}/&min_likelihood=5`);
    expect(answer.status).toBe(200);
    const body = answer.body as PdlCompanyRecord;
    expect(body).toMatchObject({
      status: 200,
      likelihood: company?.likelihood,
      name: company?.name.toLowerCase(),
      display_name: company?.name,
      size: company?.size,
      employee_count: company?.employee_count,
      website: company?.domain,
      location: { locality: company?.location?.locality, country: company?.location?.country },
    });
    for (const field of ['founded', 'inferred_revenue', 'industry', 'tags', 'total_funding_raised']) {
      expect(body).toHaveProperty(field); // present even when null
    }
    expect(answer.headers.get('x-call-credits-spent')).toBe('1');
    expect(JSON.parse(answer.headers.get('x-ratelimit-remaining') ?? '')).toEqual({
      minute: expect.any(Number),
    });
  });

  it('rejects a missing or wrong API key with a PDL 401', async () => {
    for (const key of [null, 'sim-pdl-key-wrong-wrong']) {
      const answer = await enrich(sim, `website=${known()?.domain}`, key);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ status: 401, error: { type: 'authentication_error' } });
    }
  });

  it('answers 404 for a domain the vendor does not know, without billing it', async () => {
    const before = sim.stats().credits.used;
    for (const domain of [unknown()?.domain, 'never-heard-of-it.io']) {
      const answer = await enrich(sim, `website=${domain}`);
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ status: 404, error: { type: 'not_found' } });
      expect(answer.headers.get('x-call-credits-spent')).toBe('0');
    }
    expect(sim.stats().credits.used).toBe(before);
  });

  it('answers 404 when the match is below min_likelihood', async () => {
    const company = sim.companies.find((c) => c.enrichable && c.likelihood < 10);
    const strict = await enrich(
      sim,
      `website=${company?.domain}&min_likelihood=${(company?.likelihood ?? 0) + 1}`,
    );
    expect(strict.status).toBe(404);
    const lenient = await enrich(sim, `website=${company?.domain}&min_likelihood=${company?.likelihood}`);
    expect(lenient.status).toBe(200);
  });

  it('answers 400 for a request without a website', async () => {
    const answer = await enrich(sim, 'min_likelihood=3');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});

describe('enrichment credits and rate limits', () => {
  let sim: EnrichmentSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('answers 402 once the credits are spent, and only matches spend them', async () => {
    sim = await startEnrichmentSimulator({ seed: 22, companyCount: 100, credits: 2 });
    const matches = sim.companies.filter((c) => c.enrichable && c.likelihood >= 2);
    expect((await enrich(sim, 'website=nobody-knows.example')).status).toBe(404);
    expect((await enrich(sim, `website=${matches[0]?.domain}`)).status).toBe(200);
    const second = await enrich(sim, `website=${matches[1]?.domain}`);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-totallimit-remaining')).toBe('0');
    const refused = await enrich(sim, `website=${matches[2]?.domain}`);
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ status: 402, error: { type: 'payment_required' } });
    expect(sim.stats().credits).toEqual({ limit: 2, used: 2, remaining: 0 });
  });

  it('answers 429 past the fixed window with PDL headers, then admits again once the window resets', async () => {
    sim = await startEnrichmentSimulator({
      seed: 23,
      companyCount: 50,
      rateLimit: { limit: 3, windowMs: 300 },
    });
    const domain = sim.companies.find((c) => c.enrichable)?.domain;
    // Start at a window boundary so the burst cannot straddle two windows.
    const reset = Date.parse((await enrich(sim, `website=${domain}`)).headers.get('x-ratelimit-reset') ?? '');
    await sleep(Math.max(0, reset - Date.now()) + 5);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await enrich(sim, `website=${domain}`));
    expect(answers.map((a) => a.status === 429)).toEqual([false, false, false, true]);
    const limited = answers[3] as Answer;
    expect(limited.body).toMatchObject({ status: 429, error: { type: 'rate_limit_error' } });
    expect(JSON.parse(limited.headers.get('x-ratelimit-remaining') ?? '')).toEqual({ minute: 0 });
    expect(JSON.parse(limited.headers.get('x-ratelimit-limit') ?? '')).toEqual({ minute: 3 });
    const resetAt = Date.parse(limited.headers.get('x-ratelimit-reset') ?? '');
    expect(resetAt).toBeGreaterThan(Date.now());
    expect(resetAt - Date.now()).toBeLessThanOrEqual(300);
    await sleep(resetAt - Date.now() + 5);
    expect((await enrich(sim, `website=${domain}`)).status).toBe(200);
  });

  it('answers with the changed shape when asked: likelihood gone, employee_count renamed', async () => {
    sim = await startEnrichmentSimulator({ seed: 24, companyCount: 50, faults: { shapeChange: 1 } });
    const company = sim.companies.find((c) => c.enrichable && c.likelihood >= 2);
    const answer = await enrich(sim, `website=${company?.domain}`);
    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty('likelihood');
    expect(answer.body).not.toHaveProperty('employee_count');
    expect(answer.body).toHaveProperty('employees', company?.employee_count);
    expect(sim.stats().shapeChanges).toBe(1);
  });

  it('answers injected server errors as the edge does: HTML for 502/504, PDL JSON for 503', async () => {
    sim = await startEnrichmentSimulator({
      seed: 25,
      companyCount: 10,
      faults: { errors: { server_error: 1 } },
    });
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => enrich(sim as EnrichmentSimulator, 'website=a.com')),
    );
    for (const answer of answers) {
      expect([502, 503, 504]).toContain(answer.status);
      if (answer.status === 503) {
        expect(answer.body).toMatchObject({ status: 503, error: { type: 'api_error' } });
      } else {
        expect(answer.headers.get('content-type')).toBe('text/html');
      }
    }
    expect(new Set(answers.map((a) => a.status)).size).toBeGreaterThan(1);
  });

  it('ignores lock and migration faults, which PDL has no equivalent for', async () => {
    sim = await startEnrichmentSimulator({
      seed: 26,
      companyCount: 10,
      faults: { errors: { lock: 0.5, migration: 0.5 } },
    });
    const answer = await enrich(sim, 'website=nobody-knows.example');
    expect(answer.status).toBe(404);
  });
});
