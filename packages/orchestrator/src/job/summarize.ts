import type { GuardedServer } from '../policies/GuardedServer.ts';
import type { RetryBudget } from '../policies/RetryBudget.ts';
import type { AccountOutcome, RunSummary, ServerName } from '../report/types.ts';

/** The account counts of a summary that come from its outcomes (all but `resumed`). */
export type OutcomeCounts = Omit<RunSummary['accounts'], 'resumed'>;

/** An outcome's upsert step wrote the account (or found it written by an earlier attempt). */
export const wroteAccount = (outcome: AccountOutcome) =>
  outcome.steps.upsert_account?.status === 'ok' || outcome.steps.upsert_account?.status === 'replayed';

/**
 * The counts of these outcomes. `RunLedger.counts` makes the same ones in SQL, over a run of any
 * size, without reading its outcomes into memory.
 */
export function countOutcomes(outcomes: Iterable<AccountOutcome>): OutcomeCounts {
  const counts: OutcomeCounts = {
    total: 0,
    processed: 0,
    upserted: 0,
    drafted: 0,
    routed: 0,
    degraded: 0,
    skipped: 0,
    pending: 0,
  };
  for (const outcome of outcomes) addOutcome(counts, outcome);
  return counts;
}

/** Counts one more outcome in `counts`. */
export function addOutcome(counts: OutcomeCounts, outcome: AccountOutcome): void {
  counts.total++;
  if (outcome.status !== 'pending') counts.processed++;
  if (wroteAccount(outcome)) counts.upserted++;
  if (outcome.action === 'draft') counts.drafted++;
  if (outcome.status === 'routed') counts.routed++;
  if (outcome.degraded) counts.degraded++;
  if (outcome.status === 'skipped') counts.skipped++;
  if (outcome.status === 'pending') counts.pending++;
}

interface SummaryCommon {
  runKey: string;
  startedAt: Date;
  /** Accounts finished by an earlier invocation and skipped by this one. */
  resumed: number;
  servers: Record<ServerName, GuardedServer>;
  budget: RetryBudget;
  notices: readonly string[];
  /** The run was stopped by a signal before it finished. */
  interrupted: boolean;
  /** Every account the warehouse lists (up to the limit) is counted: the listing was read to its end. */
  listed: boolean;
}

/**
 * What a summary is made of: the run's outcomes, or their counts (`countOutcomes`, or
 * `RunLedger.counts` for a run too large to hold in memory).
 */
export type SummaryInput = SummaryCommon &
  (
    | { outcomes: readonly AccountOutcome[]; counts?: undefined }
    | { counts: OutcomeCounts; outcomes?: undefined }
  );

/** The run's counts, over every invocation of the run key so far. */
export function summarize(input: SummaryInput): RunSummary {
  const finished = new Date();
  const counts = input.counts ?? countOutcomes(input.outcomes);
  return {
    run_key: input.runKey,
    started_at: input.startedAt.toISOString(),
    finished_at: finished.toISOString(),
    duration_ms: finished.getTime() - input.startedAt.getTime(),
    status:
      counts.pending === 0 && input.listed ? 'completed' : input.interrupted ? 'interrupted' : 'incomplete',
    accounts: {
      total: counts.total,
      processed: counts.processed,
      upserted: counts.upserted,
      drafted: counts.drafted,
      routed: counts.routed,
      degraded: counts.degraded,
      skipped: counts.skipped,
      pending: counts.pending,
      resumed: input.resumed,
    },
    retries: { used: input.budget.used, budget: input.budget.limit },
    calls: Object.fromEntries(Object.entries(input.servers).map(([name, server]) => [name, server.stats])),
    notices: [...input.notices],
  };
}
