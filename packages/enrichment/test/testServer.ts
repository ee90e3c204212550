import type { Client } from '@modelcontextprotocol/client';
import { type ToolErrorEnvelope, toolErrorEnvelopeSchema } from '@tollgate/core/client';
import type { Database } from '@tollgate/core/store';
import {
  type EnrichmentSimulator,
  type EnrichmentSimulatorOptions,
  startEnrichmentSimulator,
} from '@tollgate/simulators';
import { borrowed, captureLogs, connectInProcess, type LogCapture } from '@tollgate/testing';
import type { Backend } from '@tollgate/testing/backends';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { AccountSignals } from '../src/accountSignals.ts';
import { createEnrichmentServer, type EnrichmentServerOptions } from '../src/createEnrichmentServer.ts';
import type { PdlClientOptions } from '../src/vendor/PdlClient.ts';
import { TEST_API_KEY, TEST_COMPANIES } from './testFixtures.ts';

export type CallResult = Awaited<ReturnType<Client['callTool']>>;

export type ServerOverrides = Partial<Omit<EnrichmentServerOptions, 'vendor'>> & {
  vendor?: Partial<PdlClientOptions>;
};

/** One enrichment server in a test, wired to its own simulator. */
export interface StartedServer {
  client: Client;
  sim: EnrichmentSimulator;
  logs: LogCapture;
  lookup(domain: string): Promise<CallResult>;
}

export interface EnrichmentHarness {
  /** The backend's shared database, open from beforeAll to afterAll. */
  db(): Database;
  /** Runs after the current test; cleanups run in reverse order of registration. */
  onCleanup(cleanup: () => Promise<void>): void;
  start(simOptions?: EnrichmentSimulatorOptions, overrides?: ServerOverrides): Promise<StartedServer>;
}

/** The successful output of a call, failing the test on an error result. */
export function signals(result: CallResult): AccountSignals {
  expect(result.isError, JSON.stringify(result.structuredContent)).toBeFalsy();
  return result.structuredContent as AccountSignals;
}

/** The error envelope of a call, failing the test on a success. */
export function failure(result: CallResult): ToolErrorEnvelope['error'] {
  expect(result.isError).toBe(true);
  return toolErrorEnvelopeSchema.parse(result.structuredContent).error;
}

/**
 * Registers the hooks for enrichment servers on one backend; call it inside a describe block. A
 * fresh PGlite costs half a second, so the block opens one database and each test starts from an
 * empty cache in it instead.
 */
export function enrichmentHarness(backend: Backend): EnrichmentHarness {
  let shared: { db: Database; drop(): Promise<void> } | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    shared = await backend.open();
  });
  afterAll(() => shared?.drop());
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });
  const db = (): Database => {
    if (shared === undefined) throw new Error('the test database is open only inside tests');
    return shared.db;
  };

  return {
    db,
    onCleanup: (cleanup) => cleanups.push(cleanup),
    start: async (simOptions = {}, { vendor, ...server } = {}) => {
      const sim = await startEnrichmentSimulator({
        apiKey: TEST_API_KEY,
        companies: TEST_COMPANIES,
        ...simOptions,
      });
      cleanups.push(sim.close);
      const logs = captureLogs();
      const enrichment = await createEnrichmentServer({
        db: borrowed(db()),
        log: { destination: logs.stream },
        ...server,
        vendor: { url: sim.url, apiKey: TEST_API_KEY, timeoutMs: 1000, ...vendor },
      });
      cleanups.push(enrichment.close);
      await enrichment.prepare();
      await db().query('DELETE FROM enrichment_cache');
      const connection = await connectInProcess(enrichment);
      cleanups.push(connection.close);
      const { client } = connection;
      return {
        client,
        sim,
        logs,
        lookup: (domain) => client.callTool({ name: 'get_account_signals', arguments: { domain } }),
      };
    },
  };
}
