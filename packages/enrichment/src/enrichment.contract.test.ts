import { startEnrichmentSimulator } from '@tollgate/simulators';
import { contractCases, registerContractCases } from '@tollgate/testing';
import { describe, it } from 'vitest';
import { FULL_COMPANY, TEST_COMPANIES } from '../test/testFixtures.ts';
import { createEnrichmentServer } from './createEnrichmentServer.ts';

// Scopes, invalid input, output shape, secrets and vendor faults of get_account_signals, as the
// contract kit derives them; enrichment.errors.test.ts keeps what is particular to this vendor.
registerContractCases(
  'the enrichment server’s contract',
  await contractCases({
    name: 'enrichment',
    create: async (env) => {
      const sim = await startEnrichmentSimulator({ apiKey: env.secret, companies: TEST_COMPANIES });
      env.onClose(sim.close);
      return createEnrichmentServer({
        db: await env.store(),
        vendor: { url: sim.url, apiKey: env.secret, timeoutMs: env.upstreamTimeoutMs, fetch: env.fetch },
        log: env.log,
      });
    },
    examples: {
      get_account_signals: { domain: FULL_COMPANY.domain },
      get_accounts_signals: { items: [{ domain: FULL_COMPANY.domain }, { domain: 'unknown.example' }] },
    },
    upstream: {},
  }),
  { describe, it },
);
