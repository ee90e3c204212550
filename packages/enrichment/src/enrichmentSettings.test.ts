import { describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../test/testFixtures.ts';
import { DEFAULT_CACHE_TTL_MS } from './cache/SignalCache.ts';
import { enrichmentSettingsFromEnv } from './enrichmentSettings.ts';

const base = { ENRICHMENT_VENDOR_URL: 'http://127.0.0.1:9/', ENRICHMENT_API_KEY: TEST_API_KEY };

describe('enrichmentSettingsFromEnv', () => {
  it('reads the vendor and applies the defaults', () => {
    expect(enrichmentSettingsFromEnv(base)).toMatchObject({
      vendorUrl: 'http://127.0.0.1:9/',
      apiKey: TEST_API_KEY,
      timeoutMs: 5000,
      cacheTtlMs: DEFAULT_CACHE_TTL_MS,
      grantedScopes: ['signals:read'],
      databaseUrl: undefined,
    });
    expect(DEFAULT_CACHE_TTL_MS).toBe(7 * 24 * 3600 * 1000);
  });

  it('reads the shared server settings under the ENRICHMENT prefix', () => {
    const settings = enrichmentSettingsFromEnv({
      ...base,
      ENRICHMENT_DATABASE_URL: 'postgres://127.0.0.1/enrichment',
      ENRICHMENT_DATA_DIR: '/tmp/enrichment',
      ENRICHMENT_PRINCIPAL: 'nightly',
      ENRICHMENT_TIMEOUT_MS: '1500',
      ENRICHMENT_CACHE_TTL_MS: '60000',
    });
    expect(settings).toMatchObject({
      databaseUrl: 'postgres://127.0.0.1/enrichment',
      dataDir: '/tmp/enrichment',
      principal: 'nightly',
      timeoutMs: 1500,
      cacheTtlMs: 60_000,
    });
  });

  it('refuses to start without the vendor URL or key, naming the variable', () => {
    expect(() => enrichmentSettingsFromEnv({ ENRICHMENT_API_KEY: TEST_API_KEY })).toThrow(
      /^ENRICHMENT_VENDOR_URL is not set/,
    );
    expect(() => enrichmentSettingsFromEnv({ ENRICHMENT_VENDOR_URL: base.ENRICHMENT_VENDOR_URL })).toThrow(
      /^ENRICHMENT_API_KEY is not set/,
    );
    expect(() => enrichmentSettingsFromEnv({ ...base, ENRICHMENT_VENDOR_URL: 'api.example.com' })).toThrow(
      /^ENRICHMENT_VENDOR_URL is not an absolute URL/,
    );
  });

  it('refuses a key too short to redact, without printing it', () => {
    const attempt = () => enrichmentSettingsFromEnv({ ...base, ENRICHMENT_API_KEY: 'k3y-42' });
    expect(attempt).toThrow(/^ENRICHMENT_API_KEY is shorter than 8 characters/);
    expect(attempt).not.toThrow(/k3y-42/);
  });

  it('refuses malformed durations and unknown scopes, naming the variable', () => {
    expect(() => enrichmentSettingsFromEnv({ ...base, ENRICHMENT_TIMEOUT_MS: '5s' })).toThrow(
      /^ENRICHMENT_TIMEOUT_MS must be/,
    );
    expect(() => enrichmentSettingsFromEnv({ ...base, ENRICHMENT_CACHE_TTL_MS: '0' })).toThrow(
      /^ENRICHMENT_CACHE_TTL_MS must be/,
    );
    expect(() => enrichmentSettingsFromEnv({ ...base, ENRICHMENT_SCOPES: 'signals:write' })).toThrow(
      /ENRICHMENT_SCOPES names unknown scope signals:write/,
    );
  });
});
