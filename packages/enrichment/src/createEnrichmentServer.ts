import { createServer, type TollgateServer } from '@tollgate/core';
import { scopesOf } from '@tollgate/core/client';
import type { Database } from '@tollgate/core/store';
import type { LoggerOptions } from '@tollgate/core/telemetry';
import { SignalCache } from './cache/SignalCache.ts';
import { enrichmentContract } from './contract.ts';
import { enrichmentMigrations } from './migrations.ts';
import { getAccountSignalsTool } from './tools/getAccountSignals.ts';
import { getAccountsSignalsTool } from './tools/getAccountsSignals.ts';
import { PdlClient, type PdlClientOptions } from './vendor/PdlClient.ts';

/** The version the enrichment server reports to clients. */
export const ENRICHMENT_VERSION = '0.1.0';

/** Every scope the server's tools declare; the default grant. */
export const ENRICHMENT_SCOPES = scopesOf(enrichmentContract);

export interface EnrichmentServerOptions {
  /** The server's own database: the signal cache and idempotency keys. */
  db: Database;
  /** The vendor and the server's own credential for it; redacted from every record, error and log line. */
  vendor: PdlClientOptions;
  /** Default: every enrichment scope. */
  grantedScopes?: readonly string[];
  /** How long a vendor answer is served from the cache. Default 7 days. */
  cacheTtlMs?: number | undefined;
  /** Other values to redact everywhere (a database URL, for one). */
  secrets?: readonly (string | undefined)[];
  principal?: string | undefined;
  log?: Omit<LoggerOptions, 'redactor'>;
}

/** The enrichment MCP server: company signals from the vendor, cached in its own store. */
export async function createEnrichmentServer(options: EnrichmentServerOptions): Promise<TollgateServer> {
  const vendor = new PdlClient(options.vendor);
  const cache = new SignalCache(options.db, options.cacheTtlMs);
  return createServer({
    name: 'enrichment',
    version: ENRICHMENT_VERSION,
    store: options.db,
    migrations: enrichmentMigrations,
    tools: [getAccountSignalsTool(vendor, cache), getAccountsSignalsTool(vendor, cache)],
    grantedScopes: options.grantedScopes ?? ENRICHMENT_SCOPES,
    secrets: [options.vendor.apiKey, ...(options.secrets ?? [])],
    principal: options.principal,
    ...(options.log === undefined ? {} : { log: options.log }),
    instructions:
      'Company firmographics by domain. Null fields are unknown, not zero; status "not_found" is an answer. ' +
      'Answers are cached; retry rate_limited after retry_after_ms and stop on quota_exhausted.',
  });
}
