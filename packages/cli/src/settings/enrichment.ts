import { openServerDatabase } from '@tollgate/core/settings';
import { MIN_SECRET_LENGTH } from '@tollgate/core/telemetry';
import type * as z from 'zod';
import { serverBase, serverBaseShape } from './common.ts';
import { serverSchemas } from './serverSchemas.ts';
import { required, setting, url, wholeNumber } from './setting.ts';

/** `tollgate serve enrichment`: the vendor, its key, and the store and scopes of every server. */
export const enrichmentSettings = serverSchemas('ENRICHMENT', {
  ...serverBaseShape('ENRICHMENT', 'enrichment'),
  ENRICHMENT_VENDOR_URL: setting(
    {
      type: 'URL',
      required: true,
      description: 'the base URL of the vendor API; the server calls `<url>/v5/company/enrich`',
    },
    (value, fail) => {
      const vendor = required('the enrichment server needs the base URL of the enrichment vendor API')(
        value,
        fail,
      );
      // Not quoted back: a URL can carry a credential.
      return url('https://api.peopledatalabs.com/', { quote: false })(vendor, fail) ?? vendor;
    },
  ),
  ENRICHMENT_API_KEY: setting(
    {
      type: 'key',
      required: true,
      secret: true,
      description: `the server's own vendor key, at least ${MIN_SECRET_LENGTH} characters (shorter ones cannot be redacted reliably)`,
    },
    (value, fail) => {
      const key = required('the enrichment server needs the enrichment vendor API key')(value, fail);
      return key.length < MIN_SECRET_LENGTH
        ? fail(`is shorter than ${MIN_SECRET_LENGTH} characters, too short to redact from logs reliably.`)
        : key;
    },
  ),
  ENRICHMENT_TIMEOUT_MS: setting(
    { type: 'ms', default: '5000', description: 'how long one vendor request (headers and body) may take' },
    wholeNumber({ min: 1, unit: 'milliseconds' }),
  ),
  ENRICHMENT_CACHE_TTL_MS: setting(
    { type: 'ms', default: '604800000', description: 'how long an answer is served from the cache (7 days)' },
    wholeNumber({ min: 1, unit: 'milliseconds' }),
  ),
});

export type EnrichmentSettings = z.output<typeof enrichmentSettings.stdio>;

/** The enrichment server these settings describe. */
export async function enrichmentServer(settings: EnrichmentSettings) {
  const enrichment = await import('@tollgate/enrichment');
  const base = serverBase('ENRICHMENT', settings, enrichment.ENRICHMENT_SCOPES);
  return enrichment.createEnrichmentServer({
    db: await openServerDatabase('enrichment', base.store),
    vendor: {
      url: settings.ENRICHMENT_VENDOR_URL,
      apiKey: settings.ENRICHMENT_API_KEY,
      ...(settings.ENRICHMENT_TIMEOUT_MS === undefined ? {} : { timeoutMs: settings.ENRICHMENT_TIMEOUT_MS }),
    },
    grantedScopes: base.grantedScopes,
    cacheTtlMs: settings.ENRICHMENT_CACHE_TTL_MS,
    secrets: base.secrets,
    principal: base.principal,
    log: base.log,
  });
}
