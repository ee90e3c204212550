import { type ServerSettings, serverSettingsFromEnv } from '@tollgate/core/settings';
import { MIN_SECRET_LENGTH } from '@tollgate/core/telemetry';
import { DEFAULT_CACHE_TTL_MS } from './cache/SignalCache.ts';
import { DEFAULT_VENDOR_TIMEOUT_MS } from './vendor/PdlClient.ts';

/** The scopes the enrichment server's tools declare. */
export const ENRICHMENT_SCOPES = ['signals:read'] as const;

/** Everything `tollgate serve enrichment` reads from ENRICHMENT_* settings. */
export interface EnrichmentSettings extends ServerSettings {
  vendorUrl: string;
  apiKey: string;
  timeoutMs: number;
  cacheTtlMs: number;
}

/**
 * Reads the enrichment server's settings, failing at start with the variable's name when one is
 * missing or malformed. Values are never echoed: the key is a secret and a URL may hold one.
 */
export function enrichmentSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): EnrichmentSettings {
  const vendorUrl = required(env, 'ENRICHMENT_VENDOR_URL', 'the base URL of the enrichment vendor API');
  if (!URL.canParse(vendorUrl)) {
    throw new Error('ENRICHMENT_VENDOR_URL is not an absolute URL, e.g. https://api.peopledatalabs.com/.');
  }
  const apiKey = required(env, 'ENRICHMENT_API_KEY', 'the enrichment vendor API key');
  if (apiKey.length < MIN_SECRET_LENGTH) {
    throw new Error(
      `ENRICHMENT_API_KEY is shorter than ${MIN_SECRET_LENGTH} characters, too short to redact from logs reliably.`,
    );
  }
  return {
    ...serverSettingsFromEnv('ENRICHMENT', ENRICHMENT_SCOPES, env),
    vendorUrl,
    apiKey,
    timeoutMs: positiveInt(env, 'ENRICHMENT_TIMEOUT_MS', DEFAULT_VENDOR_TIMEOUT_MS),
    cacheTtlMs: positiveInt(env, 'ENRICHMENT_CACHE_TTL_MS', DEFAULT_CACHE_TTL_MS),
  };
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is not set; the enrichment server needs ${what}.`);
  return value;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a whole number of milliseconds above 0; got "${raw}".`);
  }
  return value;
}
