import { type Database, type Migration, migrate, type Queryable } from '@tollgate/core/store';
import { addOutcome, type OutcomeCounts } from '../job/summarize.ts';
import { compareAccounts, STATUS_ORDER } from '../report/renderHtml.ts';
import type { AccountOutcome, ReportAccounts, RunSummary } from '../report/types.ts';
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

/** Outcomes read from the ledger per statement when a run is read whole (`snapshot`). */
const READ_PAGE = 500;

/** `countOutcomes` in SQL, over the rows of `orchestrator_accounts` the query selects. */
const COUNTS_SQL = `
  count(*) AS total,
  count(*) FILTER (WHERE outcome->>'status' <> 'pending') AS processed,
  count(*) FILTER (WHERE outcome->'steps'->'upsert_account'->>'status' IN ('ok', 'replayed')) AS upserted,
  count(*) FILTER (WHERE outcome->>'action' = 'draft') AS drafted,
  count(*) FILTER (WHERE outcome->>'status' = 'routed') AS routed,
  count(*) FILTER (WHERE outcome->'degraded' = 'true'::jsonb) AS degraded,
  count(*) FILTER (WHERE outcome->>'status' = 'skipped') AS skipped,
  count(*) FILTER (WHERE outcome->>'status' = 'pending') AS pending`;

/**
 * `compareAccounts` in SQL: status in `STATUS_ORDER` (any other last), degraded first, then domain
 * by code point (`COLLATE "C"`; JavaScript compares UTF-16 units, which orders the same for every
 * domain a listing holds: host names are ASCII, internationalized ones in their xn-- form).
 */
const PROBLEMS_FIRST_SQL = `CASE outcome->>'status' ${STATUS_ORDER.map((status, i) => `WHEN '${status}' THEN ${i}`).join(' ')}
  ELSE ${STATUS_ORDER.length} END, COALESCE(outcome->'degraded' = 'true'::jsonb, false) DESC, domain COLLATE "C"`;

/**
 * A consistent view of one run's outcomes, read from the ledger as they are used: the counts for its
 * summary and its accounts for its report, never all in memory at once. Close it once read.
 */
export interface RunSnapshot {
  /** The counts `summarize` takes, over every account of the run (as `countOutcomes` of them all). */
  readonly counts: OutcomeCounts;
  /** The run's accounts for `writeRunReport`; `count` is `counts.total`. */
  readonly accounts: ReportAccounts;
  /** Ends the snapshot (and the read-only transaction it is). Safe to call twice. */
  close(): Promise<void>;
}

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
   * The counts of the run's outcomes as `countOutcomes` makes them, in one statement, without
   * reading the outcomes; leaving out the accounts of `except`.
   */
  async counts(runKey: string, except: readonly string[] = []): Promise<OutcomeCounts> {
    return countsOn(this.#db, runKey, except);
  }

  /**
   * The run's outcomes as one consistent snapshot (a read-only, repeatable-read transaction: runs
   * overlapping on a shared ledger cannot change it while it is read), for its summary and report:
   * `counts` at once, and the accounts read a page at a time each time they are iterated. At
   * 100,000 accounts `outcomes()` holds them all (~70 MB of objects, and more in the strings made of
   * them); a snapshot, a page.
   *
   * `overrides` are outcomes the ledger could not take (it failed under the run): each stands in for
   * the ledger's own outcome of its domain, or is added after them when the ledger has none, exactly
   * as the run's summary and report counted them before.
   *
   * On an embedded (PGlite) ledger the snapshot holds the whole database until it is closed: other
   * statements (a heartbeat) wait for it.
   */
  async snapshot(
    runKey: string,
    overrides: ReadonlyMap<string, AccountOutcome> = new Map(),
  ): Promise<RunSnapshot> {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let opened: (snapshot: RunSnapshot) => void = () => {};
    const ready = new Promise<RunSnapshot>((resolve) => {
      opened = resolve;
    });
    let closed = false;
    const close = async () => {
      closed = true;
      release();
      // A read-only transaction has nothing to lose: how it ends is no concern of its reader.
      await transaction.catch(() => undefined);
    };
    const transaction = this.#db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const counts = await countsOn(tx, runKey, [...overrides.keys()]);
      for (const outcome of overrides.values()) addOutcome(counts, outcome);
      const isClosed = () => closed;
      opened({
        counts,
        accounts: {
          count: counts.total,
          recorded: () => recordedOutcomes(tx, runKey, overrides, isClosed),
          problemsFirst: () => problemsFirstOutcomes(tx, runKey, overrides, isClosed),
        },
        close,
      });
      await released;
    });
    // Until the snapshot is open its failure is the caller's; after, only close() ends the transaction.
    return Promise.race([ready, transaction.then(() => ready)]);
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

interface CountsRow extends Record<string, unknown> {
  total: number | string;
  processed: number | string;
  upserted: number | string;
  drafted: number | string;
  routed: number | string;
  degraded: number | string;
  skipped: number | string;
  pending: number | string;
}

async function countsOn(db: Queryable, runKey: string, except: readonly string[]): Promise<OutcomeCounts> {
  const { rows } = await db.query<CountsRow>(
    `SELECT ${COUNTS_SQL} FROM orchestrator_accounts WHERE run_key = $1 AND NOT (domain = ANY($2::text[]))`,
    [runKey, except],
  );
  const row = rows[0];
  const n = (value: number | string | undefined) => Number(value ?? 0);
  return {
    total: n(row?.total),
    processed: n(row?.processed),
    upserted: n(row?.upserted),
    drafted: n(row?.drafted),
    routed: n(row?.routed),
    degraded: n(row?.degraded),
    skipped: n(row?.skipped),
    pending: n(row?.pending),
  };
}

const parseOutcome = (value: AccountOutcome | string): AccountOutcome =>
  typeof value === 'string' ? JSON.parse(value) : value;

/** Names each cursor apart from any other still open in the same transaction. */
let cursorSeq = 0;

/**
 * The run's outcomes in `order`, a page at a time, through a cursor of the snapshot's transaction:
 * one sort for the whole read (Postgres spills it to disk beyond `work_mem`), `READ_PAGE` rows in
 * memory at a time.
 */
async function* pages(
  tx: Queryable,
  runKey: string,
  order: string,
  isClosed: () => boolean,
): AsyncGenerator<{ domain: string; outcome: AccountOutcome }[]> {
  cursorSeq = (cursorSeq + 1) % 1_000_000;
  const cursor = `tollgate_outcomes_${cursorSeq}`;
  const open = () => {
    if (isClosed()) throw new Error('The run snapshot is closed.');
  };
  open();
  await tx.query(
    `DECLARE ${cursor} NO SCROLL CURSOR FOR
       SELECT domain, outcome FROM orchestrator_accounts WHERE run_key = $1 ORDER BY ${order}`,
    [runKey],
  );
  try {
    for (;;) {
      open();
      const { rows } = await tx.query<{ domain: string; outcome: AccountOutcome | string }>(
        `FETCH FORWARD ${READ_PAGE} FROM ${cursor}`,
      );
      if (rows.length === 0) return;
      yield rows.map((row) => ({ domain: row.domain, outcome: parseOutcome(row.outcome) }));
    }
  } finally {
    if (!isClosed()) await tx.query(`CLOSE ${cursor}`).catch(() => undefined);
  }
}

/** In the order first recorded (`outcomes()`'s), each override in its domain's place, the rest after. */
async function* recordedOutcomes(
  tx: Queryable,
  runKey: string,
  overrides: ReadonlyMap<string, AccountOutcome>,
  isClosed: () => boolean,
): AsyncGenerator<AccountOutcome> {
  const known = new Set<string>();
  for await (const page of pages(tx, runKey, 'seq', isClosed)) {
    for (const { domain, outcome } of page) {
      const override = overrides.get(domain);
      if (override !== undefined) known.add(domain);
      yield override ?? outcome;
    }
  }
  for (const [domain, outcome] of overrides) if (!known.has(domain)) yield outcome;
}

/** Problems first (`compareAccounts`): the ledger's sorted outcomes merged with the sorted overrides. */
async function* problemsFirstOutcomes(
  tx: Queryable,
  runKey: string,
  overrides: ReadonlyMap<string, AccountOutcome>,
  isClosed: () => boolean,
): AsyncGenerator<AccountOutcome> {
  const extra = [...overrides.values()].sort(compareAccounts);
  let next = 0;
  for await (const page of pages(tx, runKey, PROBLEMS_FIRST_SQL, isClosed)) {
    for (const { domain, outcome } of page) {
      if (overrides.has(domain)) continue;
      while (next < extra.length && compareAccounts(extra[next] as AccountOutcome, outcome) < 0)
        yield extra[next++] as AccountOutcome;
      yield outcome;
    }
  }
  while (next < extra.length) yield extra[next++] as AccountOutcome;
}
