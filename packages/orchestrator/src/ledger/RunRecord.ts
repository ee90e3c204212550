import type { RunSummary } from '../report/types.ts';

/**
 * A run's state in the ledger. running: a process is working on it, or died without a word (see
 * `RunRecord.live`); interrupted: stopped before the end (a signal, or its process found dead);
 * incomplete: ended with accounts pending (a quota, a server that could not start); completed:
 * every listed account finished.
 */
export type RunStatus = 'running' | 'interrupted' | 'incomplete' | 'completed';

/** What the ledger knows of one run. */
export interface RunRecord {
  runKey: string;
  status: RunStatus;
  /** When the run key was first used. */
  startedAt: Date;
  /** When its last invocation ended, reporting; null while one runs, or when the last one was killed. */
  endedAt: Date | null;
  /** The process (`host:pid`) that last said it was working on the run. */
  holder: string | null;
  /** How long ago that was, by the database's clock; null for runs from before heartbeats. */
  heartbeatAgeMs: number | null;
  /** True while some process is still working on the run (its heartbeat is fresh). */
  live: boolean;
  /** Accounts recorded so far: `finished` are done, routed or skipped; the rest are pending. */
  accounts: { total: number; finished: number; pending: number };
  /** The summary of the last invocation that ended cleanly; null when none did (killed). */
  summary: RunSummary | null;
  /** Why that invocation's report could not be written, if it could not. */
  reportError: string | null;
}

/** True when the run still has work: it did not end completed. */
export function isUnfinished(run: RunRecord): boolean {
  return run.status !== 'completed';
}
