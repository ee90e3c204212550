import { type Database, type Migration, migrate } from '@tollgate/core';
import type { AccountOutcome, RunSummary } from '../report/types.ts';

const migrations: Migration[] = [
  {
    version: 1,
    name: 'runs and account outcomes',
    sql: `
      CREATE TABLE orchestrator_runs (
        run_key text PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        invocations integer NOT NULL DEFAULT 1,
        finished_at timestamptz,
        status text NOT NULL DEFAULT 'running',
        summary jsonb
      );
      CREATE TABLE orchestrator_accounts (
        run_key text NOT NULL REFERENCES orchestrator_runs (run_key),
        domain text NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        status text NOT NULL,
        outcome jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_key, domain)
      );
    `,
  },
];

const FINAL = ['done', 'routed', 'skipped'];

/**
 * The orchestrator's memory of a run: one row per account with the outcome of each step, written as
 * the steps happen. A killed run resumes from it: finished accounts are not touched again, and
 * unfinished ones are redone, which the servers make safe (upserts by natural key, creates by
 * idempotency key).
 */
export class RunLedger {
  readonly #db: Database;

  private constructor(db: Database) {
    this.#db = db;
  }

  static async open(db: Database): Promise<RunLedger> {
    await migrate(db, 'orchestrator', migrations);
    return new RunLedger(db);
  }

  /** Starts or resumes a run; true when the run key was seen before. */
  async begin(runKey: string): Promise<boolean> {
    const { rows } = await this.#db.query<{ invocations: number }>(
      `INSERT INTO orchestrator_runs (run_key) VALUES ($1)
       ON CONFLICT (run_key) DO UPDATE SET invocations = orchestrator_runs.invocations + 1, status = 'running'
       RETURNING invocations`,
      [runKey],
    );
    return (rows[0]?.invocations ?? 1) > 1;
  }

  /** Which of these domains this run already finished (done, routed or skipped). */
  async finished(runKey: string, domains: readonly string[]): Promise<Set<string>> {
    if (domains.length === 0) return new Set();
    const { rows } = await this.#db.query<{ domain: string }>(
      `SELECT domain FROM orchestrator_accounts
        WHERE run_key = $1 AND domain = ANY($2::text[]) AND status = ANY($3::text[])`,
      [runKey, domains, FINAL],
    );
    return new Set(rows.map((row) => row.domain));
  }

  /**
   * Records an account's outcome so far. A finished account is never set back to pending: when two
   * overlapping runs share a ledger, one's checkpoint must not undo the other's finish.
   */
  async record(runKey: string, outcome: AccountOutcome): Promise<void> {
    await this.#db.query(
      `INSERT INTO orchestrator_accounts (run_key, domain, status, outcome) VALUES ($1, $2, $3, $4)
       ON CONFLICT (run_key, domain) DO UPDATE SET status = EXCLUDED.status, outcome = EXCLUDED.outcome, updated_at = now()
       WHERE orchestrator_accounts.status <> ALL($5::text[]) OR EXCLUDED.status = ANY($5::text[])`,
      [runKey, outcome.domain, outcome.status, JSON.stringify(outcome), FINAL],
    );
  }

  /** Every account outcome of the run, in the order they were first seen. */
  async outcomes(runKey: string): Promise<AccountOutcome[]> {
    const { rows } = await this.#db.query<{ outcome: AccountOutcome | string }>(
      'SELECT outcome FROM orchestrator_accounts WHERE run_key = $1 ORDER BY seq',
      [runKey],
    );
    return rows.map((row) => (typeof row.outcome === 'string' ? JSON.parse(row.outcome) : row.outcome));
  }

  async finish(runKey: string, summary: RunSummary): Promise<void> {
    await this.#db.query(
      'UPDATE orchestrator_runs SET finished_at = now(), status = $2, summary = $3 WHERE run_key = $1',
      [runKey, summary.status, JSON.stringify(summary)],
    );
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
