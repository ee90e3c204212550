import { hostname } from 'node:os';
import type { Database } from '@tollgate/core/store';
import { inSpan } from '@tollgate/core/telemetry';
import { NIGHTLY_TOOLS, type NightlyTools } from '../auth/nightlyScopes.ts';
import { Heartbeat } from '../ledger/Heartbeat.ts';
import { RunLedger, type RunSnapshot } from '../ledger/RunLedger.ts';
import { GuardedServer } from '../policies/GuardedServer.ts';
import { RetryBudget } from '../policies/RetryBudget.ts';
import {
  type AccountOutcome,
  type ReportAccounts,
  type RunReport,
  SERVER_NAMES,
  type ServerName,
} from '../report/types.ts';
import { type RunReportFiles, reportAccounts, writeRunReport } from '../report/writeReport.ts';
import { loadScoringConfig, type ScoringConfig } from '../scoring/scoringConfig.ts';
import { ServerConnection, type ServerSpec } from '../servers/ServerConnection.ts';
import { AccountListing } from './AccountListing.ts';
import { describeFailure } from './describeFailure.ts';
import type { JobContext, NightlyServers } from './JobContext.ts';
import { loadNightlyConfig, type NightlyConfig } from './nightlyConfig.ts';
import { Progress } from './Progress.ts';
import { PAGE_LIMIT, pendingOutcome, processPage } from './processPage.ts';
import { type ServerStart, startServer } from './startServer.ts';
import { addOutcome, countOutcomes, type OutcomeCounts, summarize } from './summarize.ts';

export interface NightlyOptions {
  /** Names the run; the same key resumes it. */
  runKey: string;
  servers: Record<ServerName, ServerSpec>;
  /** The orchestrator's own store: the run ledger. */
  ledger: Database;
  /** Where `<run key>.json` and `.html` are written. */
  reportDir: string;
  config?: NightlyConfig;
  scoring?: ScoringConfig;
  /** At most this many accounts (from the start of the listing). */
  limit?: number | undefined;
  /**
   * Stops the run: no new account is taken, accounts in flight finish, and the rest of the listing is
   * read (warehouse pages only) so every account not finished is counted as pending. The run ends
   * `interrupted`.
   */
  signal?: AbortSignal;
  progress?: Progress | false;
  /** Called once every server is connected, before the first account. */
  onReady?: () => void;
  /** Injected randomness for backoff jitter (tests). */
  random?: () => number;
  /** Who works on the run, as other processes see it in the ledger. Default: `<host>:<pid>`. */
  holder?: string;
}

export interface NightlyResult {
  /**
   * The run's summary. `accounts` is empty: a night's accounts are streamed from the ledger into
   * the written report (`files`) and never held in memory at once; read them there, or with
   * `readRunReport`.
   */
  report: RunReport;
  /** Where the report was written; undefined when it could not be (see `reportError`). */
  files: RunReportFiles | undefined;
  /** Why the report could not be written. The run's work is in the ledger either way. */
  reportError: string | undefined;
}

/** What the run does without each server, when it cannot be started. */
const WITHOUT: Record<ServerName, string> = {
  warehouse: 'no account could be listed',
  crm: 'no account could be processed; every listed account is pending',
  enrichment: 'accounts ran on CRM and warehouse data (degraded)',
  outreach: 'accounts due a draft are pending',
};

/**
 * The nightly GTM job: streams accounts from the warehouse page by page (never all in memory),
 * runs each through the pipeline with bounded concurrency, records every account-step in the run
 * ledger, and writes a JSON and an HTML report. Re-running the same run key resumes it; a finished
 * run writes nothing new. Whatever stops it early — a signal, a server that cannot start, a ledger
 * that cannot be written — it reports every listed account it did not finish as pending; only a
 * setting that must be fixed (a refused credential, a server's invalid configuration) throws.
 */
export async function runNightly(options: NightlyOptions): Promise<NightlyResult> {
  const config = options.config ?? loadNightlyConfig();
  const scoring = options.scoring ?? loadScoringConfig();
  const { runKey } = options;
  const startedAt = new Date();
  const holder = options.holder ?? `${hostname()}:${process.pid}`;
  let ledger: RunLedger;
  try {
    ledger = await RunLedger.open(options.ledger);
    await ledger.begin(runKey, holder);
  } catch (error) {
    // Nothing is done yet: say where, and why (a full disk, most often), without a stack.
    throw new Error(
      `The run ledger (${options.ledger.location}) cannot be written: ${describeFailure(error)}`,
      {
        cause: error,
      },
    );
  }
  const heartbeat = new Heartbeat(ledger, runKey, holder);
  const budget = new RetryBudget(config.retryBudget.ratio, config.retryBudget.minRetries);
  const connect = (name: ServerName) => new ServerConnection(name, options.servers[name]);
  const connectionOf = {
    warehouse: connect('warehouse'),
    crm: connect('crm'),
    enrichment: connect('enrichment'),
    outreach: connect('outreach'),
  } satisfies Record<ServerName, ServerConnection>;
  const connections = SERVER_NAMES.map((name) => connectionOf[name]);
  const progress = options.progress === false ? undefined : (options.progress ?? new Progress());
  // Stops taking accounts: the caller's signal, or the ledger failing under us.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  try {
    const starts = await Promise.all(
      connections.map((connection) =>
        startServer(
          connection,
          options.servers[connection.name as ServerName],
          config.servers[connection.name as ServerName],
          budget,
          { signal: stop.signal, random: options.random },
        ),
      ),
    );
    const started = Object.fromEntries(
      SERVER_NAMES.map((name, i) => [name, starts[i] as ServerStart]),
    ) as Record<ServerName, ServerStart>;
    for (const name of SERVER_NAMES) {
      const start = started[name];
      if (!start.ok && start.terminal) {
        await heartbeat.stop();
        await ledger.end(runKey, 'incomplete').catch(() => undefined);
        throw new Error(`Cannot start or reach the ${name} server: ${start.message}`);
      }
    }

    const guard = <S extends ServerName>(name: S): GuardedServer<NightlyTools[S]> =>
      new GuardedServer(
        connectionOf[name],
        NIGHTLY_TOOLS[name],
        { ...config.servers[name], ...(options.random ? { random: options.random } : {}) },
        budget,
      );
    const servers: NightlyServers = {
      warehouse: guard('warehouse'),
      crm: guard('crm'),
      enrichment: guard('enrichment'),
      outreach: guard('outreach'),
    };
    // This invocation's counts, for the summary should the ledger become unreadable, and the
    // outcomes the ledger could not take, so the summary still counts them.
    const local = countOutcomes([]);
    const unsaved = new Map<string, AccountOutcome>();
    let ledgerFailure: string | undefined;
    // A ledger that cannot be written (a full disk) stops the run: no new account is taken.
    const failLedger = (error: unknown) => {
      ledgerFailure ??= describeFailure(error);
      stop.abort();
    };
    const ctx: JobContext = {
      runKey,
      servers,
      scoring,
      usageDays: config.usageDays,
      draftMinScore: config.draftMinScore,
      stopped: { enrichment: null, crm: null },
      notices: [],
      checkpoint: (outcome) => ledger.record(runKey, outcome).catch(failLedger),
    };
    for (const name of SERVER_NAMES) {
      const start = started[name];
      if (start.ok && start.firstFailure !== undefined)
        ctx.notices.push(
          `The ${name} server started on attempt ${start.attempts} (first: ${start.firstFailure}).`,
        );
      if (!start.ok && !stop.signal.aborted)
        ctx.notices.push(
          `The ${name} server could not be started (${start.attempts} attempts: ${start.message}); ${WITHOUT[name]}.`,
        );
    }
    if (!started.enrichment.ok) ctx.stopped.enrichment = 'the enrichment server could not be started';

    const listing = new AccountListing({
      fetchPage: async (cursor) => {
        const page = await servers.warehouse.call('list_accounts', {
          segment: config.segment,
          limit: config.pageSize,
          ...(cursor ? { cursor } : {}),
        });
        if (!page.ok) return { ok: false, message: `${page.error.code}: ${page.error.message}` };
        return {
          ok: true,
          accounts: page.value.accounts,
          nextCursor: page.value.next_cursor ?? undefined,
        };
      },
      finished: (domains) => ledger.finished(runKey, domains),
      limit: options.limit,
    });

    // Workers take a page of accounts at a time: each step of the page is one batch call per server.
    const pageSize = Math.min(PAGE_LIMIT, config.pageSize);
    const worker = async () => {
      for (;;) {
        const page = await listing.nextPage(pageSize, stop.signal).catch((error: unknown) => {
          failLedger(error);
          return [];
        });
        if (page.length === 0) return;
        // One trace per page: its batch calls to every server nest under this span.
        const outcomes = await inSpan(
          'nightly page',
          {
            'tollgate.run_key': runKey,
            // The page's domains, so an account's trace is found by its domain.
            'tollgate.accounts': page.map((account) => account.domain),
          },
          () => processPage(page, ctx),
        );
        for (const outcome of outcomes) {
          addOutcome(local, outcome);
          try {
            await ledger.record(runKey, outcome);
          } catch (error) {
            failLedger(error);
            unsaved.set(outcome.domain, outcome);
          }
          if (progress) {
            progress.done++;
            if (outcome.degraded) progress.degraded++;
            if (outcome.status === 'pending') progress.pending++;
            if (outcome.status === 'skipped') progress.skipped++;
          }
        }
        progress?.tick();
      }
    };
    if (started.warehouse.ok && started.crm.ok && !stop.signal.aborted) {
      options.onReady?.();
      await Promise.all(Array.from({ length: config.concurrency }, worker));
    }
    if (progress) {
      progress.total = listing.seen - listing.resumed;
      progress.finish();
    }
    const interrupted = options.signal?.aborted === true;
    // Whatever stopped the run, the accounts it did not reach are pending: read the rest of the
    // listing (warehouse pages only, one ledger statement per page) to count them — even with the
    // ledger gone, so the summary can say how many.
    if (started.warehouse.ok && !listing.listed && listing.failure === undefined) {
      await listing.rest(async (accounts) => {
        const pending = accounts.map(pendingOutcome);
        for (const outcome of pending) addOutcome(local, outcome);
        if (ledgerFailure === undefined) {
          try {
            await ledger.recordUnreached(runKey, pending);
            return;
          } catch (error) {
            failLedger(error);
          }
        }
        for (const outcome of pending) unsaved.set(outcome.domain, outcome);
      });
    }
    if (listing.failure !== undefined)
      ctx.notices.push(
        `Listing accounts failed (${listing.failure}); accounts after the first ${listing.seen} listed are not counted, and the run is not complete.`,
      );
    if (interrupted)
      ctx.notices.push(
        'Stopped by a signal before the end: every listed account it did not finish is counted as pending. Run the same command again to resume.',
      );
    if (ledgerFailure !== undefined) {
      const lost = [...unsaved.values()].filter((outcome) => outcome.status !== 'pending').length;
      ctx.notices.push(
        `The run ledger could not be written: ${ledgerFailure}. The run stopped there; the accounts recorded before are saved` +
          (lost > 0
            ? `, and the ${lost} processed after will be redone by the next run, which writes nothing twice`
            : '') +
          '. Run the same command again once there is room.',
      );
    }
    if (listing.resumed > 0)
      ctx.notices.push(`${listing.resumed} accounts were already finished by an earlier run of this key.`);

    // The summary's counts in SQL and the report written a page of outcomes at a time, from one
    // snapshot of the ledger: nothing here grows with the number of accounts.
    let snapshot: RunSnapshot | undefined;
    let counts: OutcomeCounts;
    let accounts: ReportAccounts;
    try {
      snapshot = await ledger.snapshot(runKey, unsaved);
      ({ counts, accounts } = snapshot);
    } catch (error) {
      counts = local;
      accounts = reportAccounts([...unsaved.values()]);
      ctx.notices.push(
        `The run ledger could not be read: ${describeFailure(error)}. The counts are this invocation's only.`,
      );
    }
    const summary = summarize({
      runKey,
      startedAt,
      counts,
      resumed: listing.resumed,
      servers,
      budget,
      notices: ctx.notices,
      interrupted,
      listed: listing.listed,
    });
    const report: RunReport = { summary, accounts: [] };
    let files: RunReportFiles | undefined;
    let reportError: string | undefined;
    try {
      files = await writeRunReport({ summary, accounts }, options.reportDir);
    } catch (error) {
      reportError = describeFailure(error);
      summary.notices.push(
        `The report could not be written to ${options.reportDir}: ${reportError}. The work done is in the run ledger (${ledger.location}).`,
      );
    } finally {
      // Before the heartbeat stops: on an embedded ledger a beat waits for the snapshot to end.
      await snapshot?.close();
    }
    await heartbeat.stop();
    try {
      await ledger.finish(runKey, summary, reportError);
    } catch (error) {
      summary.notices.push(
        `The run ledger could not record the end of this run: ${describeFailure(error)}. The next run finds it unfinished and resumes it.`,
      );
    }
    return { report, files, reportError };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await heartbeat.stop();
    await Promise.all(connections.map((connection) => connection.close()));
  }
}
