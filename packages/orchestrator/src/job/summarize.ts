import type { GuardedServer } from '../policies/GuardedServer.ts';
import type { RetryBudget } from '../policies/RetryBudget.ts';
import type { AccountOutcome, RunSummary, ServerName } from '../report/types.ts';

export interface SummaryInput {
  runKey: string;
  startedAt: Date;
  outcomes: readonly AccountOutcome[];
  /** Accounts finished by an earlier invocation and skipped by this one. */
  resumed: number;
  servers: Record<ServerName, GuardedServer>;
  budget: RetryBudget;
  notices: readonly string[];
  /** The run was stopped by a signal before it finished. */
  interrupted: boolean;
  /** Every account the warehouse lists (up to the limit) is among `outcomes`: the listing was read to its end. */
  listed: boolean;
}

/** The run's counts, over every invocation of the run key so far. */
export function summarize(input: SummaryInput): RunSummary {
  const finished = new Date();
  const count = (predicate: (outcome: AccountOutcome) => boolean) => input.outcomes.filter(predicate).length;
  const wrote = (outcome: AccountOutcome) =>
    outcome.steps.upsert_account?.status === 'ok' || outcome.steps.upsert_account?.status === 'replayed';
  const pending = count((o) => o.status === 'pending');
  return {
    run_key: input.runKey,
    started_at: input.startedAt.toISOString(),
    finished_at: finished.toISOString(),
    duration_ms: finished.getTime() - input.startedAt.getTime(),
    status: pending === 0 && input.listed ? 'completed' : input.interrupted ? 'interrupted' : 'incomplete',
    accounts: {
      total: input.outcomes.length,
      processed: count((o) => o.status !== 'pending'),
      upserted: count(wrote),
      drafted: count((o) => o.action === 'draft'),
      routed: count((o) => o.status === 'routed'),
      degraded: count((o) => o.degraded),
      skipped: count((o) => o.status === 'skipped'),
      pending,
      resumed: input.resumed,
    },
    retries: { used: input.budget.used, budget: input.budget.limit },
    calls: Object.fromEntries(Object.entries(input.servers).map(([name, server]) => [name, server.stats])),
    notices: [...input.notices],
  };
}
