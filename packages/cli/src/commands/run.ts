import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { openDatabase, pgliteSnapshot } from '@tollgate/core/store';
import { startTracing } from '@tollgate/core/telemetry';
import { Command } from 'commander';
import * as z from 'zod';
import { SELF, today } from '../launch.ts';
import { exitStatus, StopSignals } from '../nightlyEnding.ts';
import { positive } from '../parsers.ts';
import { processShape } from '../settings/common.ts';
import { nightlySettings, serverAuthSettings } from '../settings/nightly.ts';
import { settingsHelp } from '../settings/renderSettings.ts';
import { parseSettings, settingsOf } from '../settings/setting.ts';

/**
 * The job's memory (see docs/benchmarks.md, "Memory of the nightly job"). Its V8 heap holds ~30-40 MB
 * of live objects, but with V8's default heuristics grew to ~100 MB over 2,000 accounts (the churn of
 * a page's batch calls); `--optimize-for-size` keeps it near what is live: 234 → 179 MB peak RSS at
 * 2,000 accounts, no slower. Set while running, as `node --optimize-for-size` would at start; a process
 * started with a setting of its own keeps it.
 */
function keepHeapSmall(): void {
  const own = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  if (!/optimize[-_]for[-_]size/.test(own)) setFlagsFromString('--optimize-for-size');
}

/**
 * The ledger's `shared_buffers`: it holds one row per account, read and written a page at a time,
 * which the OS page cache serves as well: 4MB opens ~10 MB smaller than the embedded default (16MB)
 * at the same statement times (20,000 accounts recorded: ~80 µs each either way).
 */
const LEDGER_SHARED_BUFFERS = '4MB';

interface NightlyFlags {
  runKey?: string;
  newRun?: boolean;
  limit?: number;
  config?: string;
  scoring?: string;
  reportDir?: string;
}

/** The command that resumes `runKey` with the same settings as this invocation. */
function resumeCommandLine(
  runKey: string,
  flags: NightlyFlags,
  shellWord: (value: string) => string,
): string {
  const words = ['tollgate run nightly --run-key', shellWord(runKey)];
  if (flags.limit !== undefined) words.push('--limit', String(flags.limit));
  if (flags.config !== undefined) words.push('--config', shellWord(flags.config));
  if (flags.scoring !== undefined) words.push('--scoring', shellWord(flags.scoring));
  if (flags.reportDir !== undefined) words.push('--report-dir', shellWord(flags.reportDir));
  return words.join(' ');
}

export function runCommand(): Command {
  const run = new Command('run').description('run a Tollgate job');
  run
    .command('nightly')
    .description('enrich, score, upsert and draft across every warehouse account; safe to kill and re-run')
    .option(
      '--run-key <key>',
      'names the run; the same key resumes it (default: the last run if unfinished, else today, UTC)',
    )
    .option('--new-run', "start today's run even when the last run is unfinished")
    .option('--limit <n>', 'process at most n accounts', positive)
    .option(
      '--config <file>',
      'pacing and resilience settings (default: packages/orchestrator/config/nightly.json)',
    )
    .option(
      '--scoring <file>',
      'scoring weights and thresholds (default: packages/orchestrator/config/scoring.json)',
    )
    .option('--report-dir <dir>', 'where reports go (default: $TOLLGATE_HOME/reports)')
    .addHelpText(
      'after',
      '\nServers start as stdio children (each sees only its own CRM_*/ENRICHMENT_*/WAREHOUSE_*/OUTREACH_* settings),\n' +
        'or are reached over HTTP when TOLLGATE_<SERVER>_URL is set. The run ledger lives in $TOLLGATE_HOME/orchestrator\n' +
        '(or ORCHESTRATOR_DATABASE_URL).\n\n' +
        'Without --run-key, an unfinished last run (killed, interrupted or incomplete) is resumed, and one still\n' +
        "running elsewhere (shared Postgres ledger) is joined; --new-run starts today's run instead.\n" +
        'Ctrl-C (SIGINT) or SIGTERM stops the run: accounts in flight finish, the rest are counted as pending, the\n' +
        'report is written. A second one exits at once; the ledger keeps what was done either way.\n\n' +
        'Exit status: 0 completed; 1 could not start (a setting, a refused credential); 3 incomplete (accounts\n' +
        'pending); 4 the report could not be written (the work is saved); 130 / 143 interrupted by SIGINT /\n' +
        'SIGTERM. After 3, 4, 130 or 143, run again with the same --run-key: finished accounts are not redone.\n' +
        settingsHelp(settingsOf(nightlySettings), 'Settings (environment variables; empty is unset)'),
    )
    .action(async (flags: NightlyFlags) => {
      keepHeapSmall();
      let runKey = flags.runKey ?? today();
      let quote = (value: string) => value;
      // First thing: a Ctrl-C during start-up must stop the run gently too, not kill it mid-write.
      const stop = new StopSignals(() => resumeCommandLine(runKey, flags, quote));
      const settings = parseSettings(nightlySettings, process.env);
      const home = settings.TOLLGATE_HOME;
      const orchestrator = await import('@tollgate/orchestrator');
      quote = orchestrator.shellWord;
      // One initdb up front, before the servers' children and the ledger each want one at once.
      await pgliteSnapshot(home);
      const ledger = await openDatabase({
        name: 'orchestrator',
        url: settings.ORCHESTRATOR_DATABASE_URL,
        home,
        sharedBuffers: LEDGER_SHARED_BUFFERS,
      });
      // With OTEL_EXPORTER_OTLP_ENDPOINT set, each account is one trace across the job and the servers.
      const tracing = startTracing({ serviceName: 'tollgate-orchestrator' });
      const logDir = join(home, 'logs');
      try {
        const choice = await orchestrator.chooseRun(ledger, {
          requested: flags.runKey,
          defaultKey: today(),
          newRun: flags.newRun,
        });
        runKey = choice.runKey;
        if (choice.notice) process.stderr.write(`${choice.notice}\n`);
        process.stderr.write(`Nightly run ${runKey}\n`);
        // The children get the environment: each server reads its own settings there.
        const servers = orchestrator.serverSpecs(serverAuthSettings(settings), {
          launch: SELF,
          env: process.env,
          logDir,
        });
        const anyStdio = Object.values(servers).some((spec) => spec.kind === 'stdio');
        const reportDir = flags.reportDir ?? join(home, 'reports');
        const result = await orchestrator.runNightly({
          runKey,
          servers,
          ledger,
          reportDir,
          config: orchestrator.loadNightlyConfig(flags.config),
          scoring: orchestrator.loadScoringConfig(flags.scoring),
          limit: flags.limit,
          signal: stop.signal,
        });
        const resume = resumeCommandLine(runKey, flags, quote);
        const { report, files } = result;
        process.stdout.write(
          `${orchestrator.renderSummaryTable(report.summary, { resumeCommand: resume })}\n` +
            (files ? `Report: ${files.html}\n        ${files.json}\n` : '') +
            (anyStdio ? `Server logs (call records of the stdio servers): ${logDir}\n` : ''),
        );
        if (result.reportError !== undefined)
          process.stderr.write(
            `The report was not written: ${result.reportError}.\nThe work done is saved in the run ledger (${ledger.location}). ` +
              `Once ${reportDir} can be written to, run \`${resume}\` to write the report: finished accounts are not touched again.\n`,
          );
        process.exitCode = exitStatus(result, stop.received);
      } finally {
        stop.dispose();
        await ledger.close();
        await tracing?.shutdown().catch(() => undefined);
      }
    });
  return run;
}

/** `tollgate report`: where the reports are. */
const reportSettings = z.object({ TOLLGATE_HOME: processShape().TOLLGATE_HOME });

export function reportCommand(): Command {
  return new Command('report')
    .description('print the summary of a nightly run again')
    .argument('[run-key]', 'the run (default: today, UTC)')
    .option('--report-dir <dir>', 'where reports are (default: $TOLLGATE_HOME/reports)')
    .option('--json', 'print the whole JSON report instead')
    .action(async (runKey: string | undefined, options: { reportDir?: string; json?: boolean }) => {
      const { readRunReport, renderSummaryTable } = await import('@tollgate/orchestrator');
      const wanted = runKey ?? today();
      const home = parseSettings(reportSettings, process.env).TOLLGATE_HOME;
      // Demo runs keep their reports in the demo's own home; look there too when no directory is named.
      const dirs = options.reportDir
        ? [options.reportDir]
        : [join(home, 'reports'), join(home, 'demo', 'reports')];
      let report: Awaited<ReturnType<typeof readRunReport>> | undefined;
      let firstError: unknown;
      for (const dir of dirs) {
        try {
          report = await readRunReport(dir, wanted);
          break;
        } catch (error) {
          firstError ??= error;
        }
      }
      if (report === undefined) throw firstError;
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${renderSummaryTable(report.summary)}\n`);
    });
}
