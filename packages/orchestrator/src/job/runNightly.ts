import { type Database, inSpan } from '@tollgate/core';
import { RunLedger } from '../ledger/RunLedger.ts';
import { GuardedServer } from '../policies/GuardedServer.ts';
import { RetryBudget } from '../policies/RetryBudget.ts';
import { type RunReport, SERVER_NAMES, type ServerName } from '../report/types.ts';
import { writeRunReport } from '../report/writeReport.ts';
import { loadScoringConfig, type ScoringConfig } from '../scoring/scoringConfig.ts';
import { ServerConnection, type ServerSpec } from '../servers/ServerConnection.ts';
import type { JobContext, WarehouseAccount } from './JobContext.ts';
import { loadNightlyConfig, type NightlyConfig } from './nightlyConfig.ts';
import { Progress } from './Progress.ts';
import { processAccount } from './processAccount.ts';
import { summarize } from './summarize.ts';

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
  /** Stop taking new accounts when aborted; accounts in flight finish. */
  signal?: AbortSignal;
  progress?: Progress | false;
  /** Called once every server is connected, before the first account. */
  onReady?: () => void;
  /** Injected randomness for backoff jitter (tests). */
  random?: () => number;
}

export interface NightlyResult {
  report: RunReport;
  files: { json: string; html: string };
}

/**
 * The nightly GTM job: streams accounts from the warehouse page by page (never all in memory),
 * runs each through the pipeline with bounded concurrency, records every account-step in the run
 * ledger, and writes a JSON and an HTML report. Re-running the same run key resumes it; a finished
 * run writes nothing new.
 */
export async function runNightly(options: NightlyOptions): Promise<NightlyResult> {
  const config = options.config ?? loadNightlyConfig();
  const scoring = options.scoring ?? loadScoringConfig();
  const startedAt = new Date();
  const ledger = await RunLedger.open(options.ledger);
  await ledger.begin(options.runKey);
  const budget = new RetryBudget(config.retryBudget.ratio, config.retryBudget.minRetries);
  const connections = SERVER_NAMES.map((name) => new ServerConnection(name, options.servers[name]));
  const progress = options.progress === false ? undefined : (options.progress ?? new Progress());
  try {
    await Promise.all(
      connections.map((connection) =>
        connection.connect().catch((error: unknown) => {
          const tail = connection.stderrTail.trim();
          throw new Error(
            `Cannot start or reach the ${connection.name} server: ${(error as Error).message}${tail ? `\n${tail}` : ''}`,
          );
        }),
      ),
    );
    const servers = Object.fromEntries(
      connections.map((connection) => [
        connection.name,
        new GuardedServer(
          connection,
          {
            ...config.servers[connection.name as ServerName],
            ...(options.random ? { random: options.random } : {}),
          },
          budget,
        ),
      ]),
    ) as Record<ServerName, GuardedServer>;
    const ctx: JobContext = {
      runKey: options.runKey,
      servers,
      scoring,
      usageDays: config.usageDays,
      draftMinScore: config.draftMinScore,
      stopped: { enrichment: null, crm: null },
      notices: [],
      checkpoint: (outcome) => ledger.record(options.runKey, outcome),
    };

    let resumed = 0;
    let seen = 0;
    async function* accounts(): AsyncGenerator<WarehouseAccount> {
      let cursor: string | undefined;
      do {
        const page = await servers.warehouse.call('list_accounts', {
          segment: config.segment,
          limit: config.pageSize,
          ...(cursor ? { cursor } : {}),
        });
        if (!page.ok) {
          ctx.notices.push(
            `Listing accounts failed (${page.error.code}: ${page.error.message}); the run is incomplete.`,
          );
          return;
        }
        const rows = page.value.accounts as WarehouseAccount[];
        const finished = await ledger.finished(
          options.runKey,
          rows.map((row) => row.domain),
        );
        for (const row of rows) {
          if (options.limit !== undefined && seen >= options.limit) return;
          seen++;
          if (finished.has(row.domain)) {
            resumed++;
            continue;
          }
          if (options.signal?.aborted) return;
          yield row;
        }
        cursor = (page.value.next_cursor as string | null) ?? undefined;
      } while (cursor);
    }

    options.onReady?.();
    const queue = accounts();
    const worker = async () => {
      for (;;) {
        const next = await queue.next();
        if (next.done) return;
        // One trace per account: its calls to every server nest under this span.
        const outcome = await inSpan(
          'nightly account',
          { 'tollgate.run_key': options.runKey, 'tollgate.account': next.value.domain },
          () => processAccount(next.value, ctx),
        );
        await ledger.record(options.runKey, outcome);
        if (progress) {
          progress.done++;
          if (outcome.degraded) progress.degraded++;
          if (outcome.status === 'pending') progress.pending++;
          if (outcome.status === 'skipped') progress.skipped++;
          progress.tick();
        }
      }
    };
    await Promise.all(Array.from({ length: config.concurrency }, worker));
    if (progress) {
      progress.total = seen - resumed;
      progress.finish();
    }
    if (options.signal?.aborted)
      ctx.notices.push('Stopped before the end; run the same command again to resume.');
    if (resumed > 0)
      ctx.notices.push(`${resumed} accounts were already finished by an earlier run of this key.`);

    const outcomes = await ledger.outcomes(options.runKey);
    const summary = summarize({
      runKey: options.runKey,
      startedAt,
      outcomes,
      resumed,
      servers,
      budget,
      notices: ctx.notices,
    });
    const report: RunReport = { summary, accounts: outcomes };
    const files = await writeRunReport(report, options.reportDir);
    await ledger.finish(options.runKey, summary);
    return { report, files };
  } finally {
    await Promise.all(connections.map((connection) => connection.close()));
  }
}
