import type { Database } from '@tollgate/core/store';
import { RunLedger } from '../ledger/RunLedger.ts';
import { isUnfinished, type RunRecord } from '../ledger/RunRecord.ts';
import { shellWord } from '../report/shellWord.ts';

export interface RunChoiceOptions {
  /** The run key the operator named (`--run-key`); taken as it is. */
  requested?: string | undefined;
  /** The key of a new run (today's date). */
  defaultKey: string;
  /** Start `defaultKey` even when an earlier run is unfinished (`--new-run`). */
  newRun?: boolean | undefined;
  /** The command that runs the job, for the hints: `tollgate run nightly`. */
  command?: string;
}

export interface RunChoice {
  runKey: string;
  /** What to tell the operator about the choice; undefined when there is nothing to tell. */
  notice: string | undefined;
}

/**
 * Which run an invocation works on. A named key is taken as it is. Without one, the run started last
 * is resumed when it is unfinished (running, interrupted or incomplete), and a new run (today's key)
 * starts otherwise or when `newRun` says so.
 *
 * Why resume rather than refuse: the nightly job is started by a scheduler or by an on-call engineer
 * re-running last night's command, often after midnight. Either way the unfinished run is the work
 * they meant — a new key would redo every account under new idempotency keys, and refusing would
 * leave a night without a run. The notice says what was chosen and how to choose otherwise.
 *
 * A run still live in another process (its heartbeat is fresh; only possible on a shared Postgres
 * ledger) is joined, not restarted: overlapping runs of one key share the work and write nothing
 * twice, where a second run under a new key would process every account again. Only the last run
 * started counts: once a newer run exists, older unfinished ones stay as they are (resume one by its
 * key), so `--new-run` is needed once, not every night after.
 */
export async function chooseRun(db: Database, options: RunChoiceOptions): Promise<RunChoice> {
  if (options.requested !== undefined) return { runKey: options.requested, notice: undefined };
  const { defaultKey } = options;
  const command = options.command ?? 'tollgate run nightly';
  const ledger = await RunLedger.open(db);
  const latest = await ledger.latestRun();
  if (latest === undefined || latest.runKey === defaultKey || !isUnfinished(latest))
    return { runKey: defaultKey, notice: undefined };
  const key = shellWord(latest.runKey);
  if (options.newRun)
    return {
      runKey: defaultKey,
      notice:
        `Starting new run ${defaultKey}. Run ${latest.runKey} stays unfinished (${progressOf(latest)}); ` +
        `resume it with: ${command} --run-key ${key}`,
    };
  if (latest.live)
    return {
      runKey: latest.runKey,
      notice:
        `Joining run ${latest.runKey}, still running in process ${latest.holder ?? '(unknown)'} ` +
        `(last heartbeat ${Math.round((latest.heartbeatAgeMs ?? 0) / 1000)} s ago): overlapping runs of one key ` +
        `share the work and write nothing twice. Pass --new-run to start ${defaultKey} alongside it instead.`,
    };
  return {
    runKey: latest.runKey,
    notice: `Resuming unfinished run ${latest.runKey} (${progressOf(latest)}); pass --new-run to start ${defaultKey} instead.`,
  };
}

/** "37 of 300 pending" when the run ended reporting; what is known of it when its process was killed. */
function progressOf(run: RunRecord): string {
  const { total, finished, pending } = run.accounts;
  if (run.endedAt !== null && run.summary !== null) return `${pending} of ${total} pending`;
  if (run.endedAt !== null) return 'it stopped before listing its accounts';
  return `its process stopped without finishing; ${finished} accounts finished so far`;
}
