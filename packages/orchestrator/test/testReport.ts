import type { AccountOutcome, RunReport, RunSummary } from '../src/report/types.ts';

/** One finished account, for report tests; override any field. */
export function testAccount(overrides: Partial<AccountOutcome> = {}): AccountOutcome {
  return {
    domain: 'acme.com',
    name: 'Acme',
    status: 'done',
    action: 'draft',
    degraded: false,
    degraded_reason: null,
    fit: 92,
    intent: 95,
    score: 94,
    band: 'hot',
    steps: { crm_read: { status: 'ok', attempts: 1 }, score: { status: 'ok', attempts: 1 } },
    ...overrides,
  };
}

/** A run summary with a distinct value in every count, so a test can tell them apart; override any field. */
export function testSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    run_key: '2026-11-23',
    started_at: '2026-11-23T01:00:00.000Z',
    finished_at: '2026-11-23T01:02:03.000Z',
    duration_ms: 123_000,
    status: 'completed',
    accounts: {
      total: 5011,
      processed: 4987,
      upserted: 4873,
      drafted: 419,
      routed: 157,
      degraded: 263,
      skipped: 31,
      pending: 7,
      resumed: 2,
    },
    retries: { used: 47, budget: 500 },
    calls: {
      warehouse: { calls: 12, retries: 0, errors: {} },
      crm: { calls: 9811, retries: 5, errors: { locked: 3, timeout: 2 } },
      enrichment: {
        calls: 4990,
        retries: 42,
        errors: { rate_limited: 38, upstream_unavailable: 4, quota_exhausted: 1 },
      },
    },
    notices: ['enrichment quota exhausted: remaining accounts ran degraded'],
    ...overrides,
  };
}

/** A report over `accounts` (one finished account by default). */
export function testReport(
  accounts: AccountOutcome[] = [testAccount()],
  summary: Partial<RunSummary> = {},
): RunReport {
  return { summary: testSummary(summary), accounts };
}
