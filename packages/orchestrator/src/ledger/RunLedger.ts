import { type Database, type Migration, migrate } from '@tollgate/core/store';
import type { AccountOutcome, RunSummary } from '../report/types.ts';
import type { RunRecord, RunStatus } from './RunRecord.ts';

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
  {
    version: 2,
    name: 'run heartbeats and report errors',
    sql: `
      ALTER TABLE orchestrator_runs ADD COLUMN heartbeat_at timestamptz;
      ALTER TABLE orchestrator_runs ADD COLUMN holder text;
      ALTER TABLE orchestrator_runs ADD COLUMN report_error text;
    `,
  },
];

const FINAL = ['done', 'routed', 'skipped'];

/** How often a working process says so in the ledger. */
export const HEARTBEAT_MS = 10_000;
/**
 * A run whose last heartbeat is older than this has no process left working on it. Six missed beats:
 * a busy event loop or a slow database delays a beat by seconds, not a minute. Ages are measured by
 * the database's clock on both sides, so clock skew between hosts does not matter.
 */
export const LEASE_MS = 60_000;

interface RunRow extends Record<string, unknown> {
  run_key: string;
  status: RunStatus;
  started_at: Date | string;
  finished_at: Date | string | null;
  holder: string | null;
  heartbeat_age_ms: number | string | null;
  summary: RunSummary | string | null;
  report_error: string | null;
  total: number | string;
  finished: number | string;
}

/**
 * The orchestrator's memory of a run: one row per account with the outcome of each step, written as
 * the steps happen. A killed run resumes from it: finished accounts are not touched again, and
 * unfinished ones are redone, which the servers make safe (upserts by natural key, creates by
 * idempotency key).
 *
 * A process working on a run beats its heart in the run's row every `HEARTBEAT_MS`; a run is live
 * while the last beat is younger than `LEASE_MS`. On an embedded (PGlite) ledger no run but this
 * process's own can be live: the data-directory lock lets one process open it.
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

  /** Where the ledger lives, for messages: a directory, or a redacted database URL. */
  get location(): string {
    return this.#db.location;
  }

  /**
   * Starts or resumes a run on behalf of `holder` (host and pid); true when the run key was seen
   * before. Runs left `running` by a process that is gone are marked `interrupted` on the way, so no
   * run stays "running" for ever.
   */
  async begin(runKey: string, holder: string): Promise<boolean> {
    await this.#db.query(
      `UPDATE orchestrator_runs SET status = 'interrupted'
        WHERE status = 'running' AND run_key <> $1 AND NOT (${this.#liveSql()})`,
      [runKey],
    );
    const { rows } = await this.#db.query<{ invocations: number }>(
      `INSERT INTO orchestrator_runs (run_key, holder, heartbeat_at) VALUES ($1, $2, now())
       ON CONFLICT (run_key) DO UPDATE SET invocations = orchestrator_runs.invocations + 1,
         status = 'running', holder = $2, heartbeat_at = now(), finished_at = NULL, report_error = NULL
       RETURNING invocations`,
      [runKey, holder],
    );
    return (rows[0]?.invocations ?? 1) > 1;
  }

  /** Says that `holder` is still working on the run. */
  async heartbeat(runKey: string, holder: string): Promise<void> {
    await this.#db.query(
      `UPDATE orchestrator_runs SET heartbeat_at = now(), holder = $2, status = 'running' WHERE run_key = $1`,
      [runKey, holder],
    );
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

  /**
   * Records listed accounts the run never reached as pending, in one statement; an account already
   * recorded (by this run or an overlapping one) is left as it is.
   */
  async recordUnreached(runKey: string, outcomes: readonly AccountOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.#db.query(
      `INSERT INTO orchestrator_accounts (run_key, domain, status, outcome)
       SELECT $1, o->>'domain', 'pending', o FROM jsonb_array_elements($2::jsonb) AS o
       ON CONFLICT (run_key, domain) DO NOTHING`,
      [runKey, JSON.stringify(outcomes)],
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

  /**
   * Ends this invocation of the run: its status and summary, and why its report could not be written
   * when it could not (the run's work is in the ledger either way).
   */
  async finish(runKey: string, summary: RunSummary, reportError?: string): Promise<void> {
    await this.#db.query(
      'UPDATE orchestrator_runs SET finished_at = now(), status = $2, summary = $3, report_error = $4 WHERE run_key = $1',
      [runKey, summary.status, JSON.stringify(summary), reportError ?? null],
    );
  }

  /** Sets the status of a run that ends without a summary (it stopped before any account was listed). */
  async end(runKey: string, status: Exclude<RunStatus, 'running'>): Promise<void> {
    await this.#db.query('UPDATE orchestrator_runs SET finished_at = now(), status = $2 WHERE run_key = $1', [
      runKey,
      status,
    ]);
  }

  /** One run as the ledger knows it; undefined for a run key never seen. */
  async run(runKey: string): Promise<RunRecord | undefined> {
    const rows = await this.#runs('WHERE r.run_key = $1', [runKey]);
    return rows[0];
  }

  /** The run started last, finished or not; undefined on an empty ledger. */
  async latestRun(): Promise<RunRecord | undefined> {
    const rows = await this.#runs('ORDER BY r.started_at DESC, r.run_key DESC LIMIT 1', []);
    return rows[0];
  }

  /** The SQL condition for "a process is working on run `r`" (rows from before heartbeats count as dead). */
  #liveSql(): string {
    if (this.#db.kind === 'pglite') return 'false';
    return `status = 'running' AND COALESCE(heartbeat_at > now() - interval '${LEASE_MS} milliseconds', false)`;
  }

  async #runs(tail: string, params: unknown[]): Promise<RunRecord[]> {
    const { rows } = await this.#db.query<RunRow>(
      `SELECT r.run_key, r.status, r.started_at, r.finished_at, r.holder, r.summary, r.report_error,
              EXTRACT(EPOCH FROM (now() - r.heartbeat_at)) * 1000 AS heartbeat_age_ms,
              (SELECT count(*) FROM orchestrator_accounts a WHERE a.run_key = r.run_key) AS total,
              (SELECT count(*) FROM orchestrator_accounts a
                WHERE a.run_key = r.run_key AND a.status = ANY($${params.length + 1}::text[])) AS finished
         FROM orchestrator_runs r ${tail}`,
      [...params, FINAL],
    );
    return rows.map((row) => {
      const age = row.heartbeat_age_ms === null ? null : Number(row.heartbeat_age_ms);
      const total = Number(row.total);
      const finished = Number(row.finished);
      return {
        runKey: row.run_key,
        status: row.status,
        startedAt: new Date(row.started_at),
        endedAt: row.finished_at === null ? null : new Date(row.finished_at),
        holder: row.holder,
        heartbeatAgeMs: age,
        live: this.#db.kind !== 'pglite' && row.status === 'running' && age !== null && age < LEASE_MS,
        accounts: { total, finished, pending: total - finished },
        summary: typeof row.summary === 'string' ? JSON.parse(row.summary) : row.summary,
        reportError: row.report_error,
      };
    });
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
