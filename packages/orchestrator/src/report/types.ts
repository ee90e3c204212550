import type { ScoreBand } from '../scoring/types.ts';

/** The servers the nightly job talks to, in the order it connects to them. */
export const SERVER_NAMES = ['warehouse', 'crm', 'enrichment', 'outreach'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

/** The steps of one account, in order. */
export const STEP_NAMES = [
  'crm_read',
  'signals',
  'usage',
  'score',
  'upsert_account',
  'upsert_lead',
  'draft',
  'research_task',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface StepRecord {
  status: 'ok' | 'replayed' | 'skipped' | 'failed';
  /** Calls made for this step, retries included. */
  attempts: number;
  /** The error code when the step failed or was skipped because of an error. */
  error_code?: string | null;
  message?: string | null;
}

export interface AccountOutcome {
  domain: string;
  name: string | null;
  /**
   * done: scored and written; routed: sent to manual research; skipped: a terminal error on a
   * required step; pending: not finished (a quota or the run stopped), picked up by the next run.
   */
  status: 'done' | 'routed' | 'skipped' | 'pending';
  action: 'draft' | 'research_task' | 'none';
  /** Processed without enrichment (outage, open breaker, quota). */
  degraded: boolean;
  degraded_reason: string | null;
  fit: number | null;
  intent: number | null;
  score: number | null;
  band: ScoreBand | null;
  steps: Partial<Record<StepName, StepRecord>>;
}

export interface ServerCallStats {
  calls: number;
  retries: number;
  /** Error results by code (each attempt counts). */
  errors: Record<string, number>;
}

export interface RunSummary {
  run_key: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  /**
   * completed: every listed account finished; interrupted: stopped by a signal with accounts pending;
   * incomplete: ended with accounts pending for another reason (a quota, a server that could not
   * start, a listing that failed). Both of the last two resume with the same run key.
   */
  status: 'completed' | 'interrupted' | 'incomplete';
  accounts: {
    total: number;
    processed: number;
    upserted: number;
    drafted: number;
    routed: number;
    degraded: number;
    skipped: number;
    pending: number;
    /** Accounts finished by an earlier invocation of the same run key and not touched again. */
    resumed: number;
  };
  retries: { used: number; budget: number };
  calls: Partial<Record<ServerName, ServerCallStats>>;
  /** Things the operator must know, e.g. "enrichment quota exhausted: remaining accounts ran degraded". */
  notices: string[];
}

export interface RunReport {
  summary: RunSummary;
  accounts: AccountOutcome[];
}

/**
 * A report's accounts as `writeRunReport` reads them, one at a time, in the two orders the report
 * uses: a run of 100,000 accounts is written without holding them all (`RunLedger.snapshot` reads
 * them from the ledger a page at a time). `reportAccounts` makes one from an array.
 */
export interface ReportAccounts {
  /** How many accounts each iteration yields. */
  readonly count: number;
  /** In the order the run first recorded them: the JSON report's order (`RunReport.accounts`). */
  recorded(): AsyncIterable<AccountOutcome>;
  /** Problems first (`compareAccounts`): the HTML report's order. */
  problemsFirst(): AsyncIterable<AccountOutcome>;
}

/** A run report whose accounts are read as it is written. */
export interface StreamedRunReport {
  summary: RunSummary;
  accounts: ReportAccounts;
}
