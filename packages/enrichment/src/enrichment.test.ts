import { setTimeout as sleep } from 'node:timers/promises';
import { backends } from '@tollgate/testing/backends';
import { describe, expect, it } from 'vitest';
import { FULL_COMPANY, PARTIAL_COMPANY, UNKNOWN_COMPANY } from '../test/testFixtures.ts';
import { enrichmentHarness, failure, signals } from '../test/testServer.ts';

describe.each(backends())('the enrichment server on $name', (backend) => {
  describe.skipIf(backend.skip !== '')('', () => {
    const { start, db, onCleanup } = enrichmentHarness(backend);

    it('returns a match with confidence = likelihood / 10, keeping every unknown field null', async () => {
      const { lookup } = await start();
      const before = Date.now();
      const partial = signals(await lookup(PARTIAL_COMPANY.domain));
      expect(partial).toEqual({
        domain: 'acme-analytics.com',
        status: 'matched',
        firmographics: {
          name: 'Acme Analytics',
          size: '51-200',
          employee_count: 140,
          founded: null,
          industry: 'computer software',
          inferred_revenue: null,
          country: 'united states',
          region: 'california',
          locality: null,
          tags: ['saas', 'data analytics'],
          total_funding_raised: null,
          latest_funding_stage: 'series_a',
        },
        confidence: 0.7,
        source: 'pdl',
        fetched_at: expect.any(String),
        cached: false,
      });
      expect(Date.parse(partial.fetched_at)).toBeGreaterThanOrEqual(before);
      const full = signals(await lookup(FULL_COMPANY.domain));
      expect(full.confidence).toBe(1);
      expect(Object.values(full.firmographics)).not.toContain(null);
    });

    it('answers an unknown company as status not_found with nothing known, not as an error', async () => {
      const { lookup, sim } = await start();
      for (const domain of [UNKNOWN_COMPANY.domain, 'nobody-knows.example']) {
        const answer = signals(await lookup(domain));
        expect(answer).toMatchObject({
          domain,
          status: 'not_found',
          confidence: 0,
          source: 'pdl',
          cached: false,
        });
        expect(Object.values(answer.firmographics).every((value) => value === null)).toBe(true);
      }
      expect(signals(await lookup(UNKNOWN_COMPANY.domain))).toMatchObject({
        status: 'not_found',
        cached: true,
      });
      expect(sim.stats().notFound).toBe(2);
    });

    it('serves a repeat from the cache however the domain is spelled, and logs the hit under its call id', async () => {
      const { lookup, sim, logs } = await start();
      const first = signals(await lookup(PARTIAL_COMPANY.domain));
      const second = signals(await lookup('https://www.ACME-Analytics.com/pricing'));
      expect(second).toEqual({ ...first, cached: true });
      expect(sim.stats().requests).toBe(1);
      const [missCall, hitCall] = logs.calls();
      const lines = logs.events().filter((event) => 'cache' in event);
      expect(lines).toEqual([
        expect.objectContaining({ cache: 'miss', domain: 'acme-analytics.com', call_id: missCall?.call_id }),
        expect.objectContaining({ cache: 'hit', domain: 'acme-analytics.com', call_id: hitCall?.call_id }),
      ]);
    });

    it('asks the vendor again once the cache TTL has passed', async () => {
      const { lookup, sim } = await start({}, { cacheTtlMs: 150 });
      const first = signals(await lookup(FULL_COMPANY.domain));
      expect(signals(await lookup(FULL_COMPANY.domain)).cached).toBe(true);
      await sleep(200);
      const fresh = signals(await lookup(FULL_COMPANY.domain));
      expect(fresh.cached).toBe(false);
      expect(Date.parse(fresh.fetched_at)).toBeGreaterThan(Date.parse(first.fetched_at));
      expect(sim.stats().requests).toBe(2);
    });

    it('asks the vendor again, and replaces the entry, when a cached row no longer fits the schema', async () => {
      const { lookup, sim } = await start();
      await db().query(`INSERT INTO enrichment_cache (domain, signals, fetched_at) VALUES ($1, $2, now())`, [
        FULL_COMPANY.domain,
        JSON.stringify({ domain: FULL_COMPANY.domain, score: 'from an older version' }),
      ]);
      expect(signals(await lookup(FULL_COMPANY.domain))).toMatchObject({ status: 'matched', cached: false });
      expect(signals(await lookup(FULL_COMPANY.domain))).toMatchObject({ status: 'matched', cached: true });
      expect(sim.stats().requests).toBe(1);
    });

    it('still answers, and logs a warning, when the cache write fails', async () => {
      const { lookup, logs } = await start();
      await db().exec(`
        CREATE FUNCTION enrichment_test_refuse() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN RAISE EXCEPTION 'cache is read-only in this test'; END $$;
        CREATE TRIGGER enrichment_test_refuse BEFORE INSERT ON enrichment_cache
          FOR EACH ROW EXECUTE FUNCTION enrichment_test_refuse();
      `);
      onCleanup(() =>
        db().exec(`
          DROP TRIGGER enrichment_test_refuse ON enrichment_cache;
          DROP FUNCTION enrichment_test_refuse();
        `),
      );
      expect(signals(await lookup(FULL_COMPANY.domain))).toMatchObject({ status: 'matched', cached: false });
      expect(logs.events()).toContainEqual(
        expect.objectContaining({ level: 'warn', msg: 'enrichment cache write failed' }),
      );
    });

    it('enriches a page in one bulk request, the cached ones from the cache, each answered as a single lookup would be', async () => {
      const { client, lookup, sim } = await start();
      const cached = signals(await lookup(PARTIAL_COMPANY.domain));
      const before = sim.stats().requests;
      const domains = [
        FULL_COMPANY.domain,
        'https://www.Acme-Analytics.com/',
        UNKNOWN_COMPANY.domain,
        FULL_COMPANY.domain,
      ];
      const answer = (await client.callTool({
        name: 'get_accounts_signals',
        arguments: { items: [...domains.map((domain) => ({ domain })), { domain: 'not a domain' }] },
      })) as {
        structuredContent: {
          results: { ok: boolean; value?: { status: string; cached: boolean }; error?: { code: string } }[];
        };
      };
      const results = answer.structuredContent.results;
      expect(sim.stats().requests - before).toBe(1);
      expect(
        results.map((result) => result.error?.code ?? `${result.value?.status}/${result.value?.cached}`),
      ).toEqual(['matched/false', 'matched/true', 'not_found/false', 'matched/false', 'invalid_input']);
      expect(results[1]?.value).toEqual(cached.cached ? cached : { ...cached, cached: true });
      // What the bulk request answered is cached too: a single lookup now costs nothing.
      expect(signals(await lookup(FULL_COMPANY.domain)).cached).toBe(true);
      expect(sim.stats().requests - before).toBe(1);
      // One row per domain, "not found" included, written in one statement.
      const { rows } = await db().query<{ domain: string }>(
        'SELECT domain FROM enrichment_cache ORDER BY domain',
      );
      expect(rows.map((row) => row.domain)).toEqual(
        [FULL_COMPANY.domain, PARTIAL_COMPANY.domain, UNKNOWN_COMPANY.domain].sort(),
      );
    });

    it('fails a page as a whole when the vendor refuses the bulk request, and answers nothing half-done', async () => {
      const { client } = await start({ credits: 0 });
      const answer = await client.callTool({
        name: 'get_accounts_signals',
        arguments: { items: [{ domain: FULL_COMPANY.domain }, { domain: PARTIAL_COMPANY.domain }] },
      });
      expect(failure(answer)).toMatchObject({ code: 'quota_exhausted', retryable: false });
    });

    it('lists get_account_signals as an open-world read only to callers holding signals:read', async () => {
      const granted = await start();
      const { tools } = await granted.client.listTools();
      expect(
        tools.map((tool) => [tool.name, tool.annotations?.readOnlyHint, tool.annotations?.openWorldHint]),
      ).toEqual([
        ['get_account_signals', true, true],
        ['get_accounts_signals', true, true],
      ]);
      const denied = await start({}, { grantedScopes: [] });
      expect((await denied.client.listTools()).tools).toEqual([]);
      expect(failure(await denied.lookup(FULL_COMPANY.domain)).code).toBe('forbidden');
      expect(denied.sim.stats().requests).toBe(0);
    });
  });
});
