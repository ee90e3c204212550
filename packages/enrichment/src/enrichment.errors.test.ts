import type { EnrichmentSimulatorOptions } from '@tollgate/simulators';
import { backends } from '@tollgate/testing/backends';
import { describe, expect, it } from 'vitest';
import { FULL_COMPANY, PARTIAL_COMPANY, startStubVendor, TEST_API_KEY } from '../test/testFixtures.ts';
import { type CallResult, enrichmentHarness, failure, signals } from '../test/testServer.ts';
import type { AccountSignals } from './accountSignals.ts';

describe.each(backends())('vendor failures through the enrichment server on $name', (backend) => {
  describe.skipIf(backend.skip !== '')('', () => {
    const { start, onCleanup } = enrichmentHarness(backend);

    it('answers a 429 with rate_limited, retry_after_ms counted to x-ratelimit-reset', async () => {
      const { lookup, sim } = await start({ rateLimit: { limit: 1, windowMs: 5000 } });
      signals(await lookup(FULL_COMPANY.domain));
      const asked = Date.now();
      const error = failure(await lookup(PARTIAL_COMPANY.domain));
      const direct = await fetch(new URL('/v5/company/enrich?website=a.com', sim.url), {
        headers: { 'X-Api-Key': TEST_API_KEY },
      });
      expect(direct.status).toBe(429);
      const resetIn = Date.parse(direct.headers.get('x-ratelimit-reset') ?? '') - asked;
      expect(error).toMatchObject({ code: 'rate_limited', retryable: true });
      expect(Math.abs((error.retry_after_ms ?? -1) - resetIn)).toBeLessThan(250);
    });

    it('answers a 402 with a terminal quota_exhausted saying the credits are out', async () => {
      const { lookup, sim } = await start({ credits: 0 });
      const error = failure(await lookup(FULL_COMPANY.domain));
      expect(error).toMatchObject({
        code: 'quota_exhausted',
        retryable: false,
        details: { credits: 'exhausted' },
      });
      failure(await lookup(FULL_COMPANY.domain));
      expect(sim.stats().requests).toBe(2);
    });

    it('answers outages and 5xx with retryable upstream_unavailable, and caches no error', async () => {
      const { lookup, sim } = await start({ faults: { outages: [{ startMs: 0 }] } });
      expect(failure(await lookup(FULL_COMPANY.domain))).toMatchObject({
        code: 'upstream_unavailable',
        retryable: true,
        retry_after_ms: 1000,
      });
      sim.setFaults({ errors: { server_error: 1 } });
      expect(failure(await lookup(FULL_COMPANY.domain))).toMatchObject({
        code: 'upstream_unavailable',
        retryable: true,
      });
      sim.setFaults({});
      expect(signals(await lookup(FULL_COMPANY.domain))).toMatchObject({ status: 'matched', cached: false });
      expect(sim.stats().requests).toBe(3);
    });

    it('answers a hung vendor with a retryable timeout at the vendor timeout', async () => {
      const { lookup } = await start({ faults: { hang: 1 } }, { vendor: { timeoutMs: 150 } });
      const started = Date.now();
      const error = failure(await lookup(FULL_COMPANY.domain));
      expect(error).toMatchObject({ code: 'timeout', retryable: true, details: { timeout_ms: 150 } });
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('refuses a changed vendor shape with upstream_contract_violation, logged as an error', async () => {
      const { lookup, logs } = await start({ faults: { shapeChange: 1 } });
      const error = failure(await lookup(FULL_COMPANY.domain));
      expect(error).toMatchObject({ code: 'upstream_contract_violation', retryable: false });
      expect(logs.calls()[0]).toMatchObject({ level: 'error', outcome: 'upstream_contract_violation' });
    });

    it('never shows the API key in a result or a log line, whatever the vendor does', async () => {
      const { lookup, sim, logs } = await start({}, { vendor: { timeoutMs: 200 } });
      const results: CallResult[] = [];
      const faults: EnrichmentSimulatorOptions['faults'][] = [
        {},
        { outages: [{ startMs: 0 }] },
        { errors: { server_error: 1 } },
        { errors: { rate_limit: 1 } },
        { hang: 1 },
        { shapeChange: 1 },
      ];
      const domains = [
        PARTIAL_COMPANY.domain,
        'a.example',
        'b.example',
        'c.example',
        'd.example',
        FULL_COMPANY.domain,
      ];
      for (const [i, config] of faults.entries()) {
        sim.setFaults(config ?? {});
        results.push(await lookup(domains[i] ?? ''));
      }
      const codes = results.map((result) =>
        result.isError ? failure(result).code : (result.structuredContent as AccountSignals).status,
      );
      expect(codes).toEqual([
        'matched',
        'upstream_unavailable',
        'upstream_unavailable',
        'rate_limited',
        'timeout',
        'upstream_contract_violation',
      ]);
      expect(JSON.stringify(results)).not.toContain(TEST_API_KEY);
      expect(logs.lines().join('\n')).not.toContain(TEST_API_KEY);
    });

    it('answers a refused key with internal, naming neither the wrong key nor the right one', async () => {
      const wrongKey = 'wrong-pdl-key-5b1e0d77-do-not-log';
      const { lookup, logs } = await start({}, { vendor: { apiKey: wrongKey } });
      const result = await lookup(FULL_COMPANY.domain);
      expect(failure(result)).toMatchObject({
        code: 'internal',
        retryable: false,
        details: { vendor_status: 401 },
      });
      for (const text of [JSON.stringify(result), logs.lines().join('\n')]) {
        expect(text).not.toContain(wrongKey);
        expect(text).not.toContain(TEST_API_KEY);
      }
    });

    it('redacts the key even when the vendor echoes it back', async () => {
      const stub = await startStubVendor((req, res) => {
        res.writeHead(503, { 'content-type': 'application/json' });
        const message = `backend rejected key ${String(req.headers['x-api-key'])}`;
        res.end(JSON.stringify({ status: 503, error: { type: 'api_error', message } }));
      });
      onCleanup(stub.close);
      const { lookup, logs } = await start({}, { vendor: { url: stub.url, apiKey: TEST_API_KEY } });
      const result = await lookup(FULL_COMPANY.domain);
      expect(failure(result).details).toMatchObject({ vendor_message: 'backend rejected key [REDACTED]' });
      expect(JSON.stringify(result)).not.toContain(TEST_API_KEY);
      expect(logs.lines().join('\n')).not.toContain(TEST_API_KEY);
    });

    it('removes an echoed key before cutting the message, so no part of it straddles the cut', async () => {
      const stub = await startStubVendor((req, res) => {
        res.writeHead(503, { 'content-type': 'application/json' });
        // The key starts 10 characters before the 200-character cut.
        const message = `${'x'.repeat(190)}${String(req.headers['x-api-key'])} and more`;
        res.end(JSON.stringify({ status: 503, error: { type: 'api_error', message } }));
      });
      onCleanup(stub.close);
      const { lookup, logs } = await start({}, { vendor: { url: stub.url, apiKey: TEST_API_KEY } });
      const result = await lookup(FULL_COMPANY.domain);
      const message = String(failure(result).details.vendor_message);
      expect(message.startsWith(`${'x'.repeat(190)}[REDACTED]`)).toBe(true);
      const head = TEST_API_KEY.slice(0, 10);
      expect(JSON.stringify(result)).not.toContain(head);
      expect(logs.lines().join('\n')).not.toContain(head);
    });

    it('forwards no vendor message with a refused key, where vendors quote the key in part', async () => {
      const stub = await startStubVendor((req, res) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        const partial = String(req.headers['x-api-key']).slice(0, 8);
        res.end(
          JSON.stringify({
            status: 401,
            error: { type: 'authentication_error', message: `Bad key ${partial}…` },
          }),
        );
      });
      onCleanup(stub.close);
      const { lookup, logs } = await start({}, { vendor: { url: stub.url, apiKey: TEST_API_KEY } });
      const result = await lookup(FULL_COMPANY.domain);
      expect(failure(result).details).toMatchObject({
        vendor_status: 401,
        vendor_error: 'authentication_error',
      });
      expect(failure(result).details).not.toHaveProperty('vendor_message');
      const partial = TEST_API_KEY.slice(0, 8);
      expect(JSON.stringify(result)).not.toContain(partial);
      expect(logs.lines().join('\n')).not.toContain(partial);
    });
  });
});
