import { join } from 'node:path';
import { openDatabase, pgliteSnapshot, startTracing, tollgateHome } from '@tollgate/core';
import { Command } from 'commander';
import { SELF, today } from '../launch.ts';
import { positive } from '../parsers.ts';

export function runCommand(): Command {
  const run = new Command('run').description('run a Tollgate job');
  run
    .command('nightly')
    .description('enrich, score, upsert and draft across every warehouse account; safe to kill and re-run')
    .option('--run-key <key>', 'names the run; the same key resumes it (default: today, UTC)')
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
        '(or ORCHESTRATOR_DATABASE_URL). Exit status: 0 completed, 3 incomplete (run again with the same --run-key).',
    )
    .action(
      async (options: {
        runKey?: string;
        limit?: number;
        config?: string;
        scoring?: string;
        reportDir?: string;
      }) => {
        const orchestrator = await import('@tollgate/orchestrator');
        const runKey = options.runKey ?? today();
        // One initdb up front, before the servers' children and the ledger each want one at once.
        await pgliteSnapshot(tollgateHome());
        const ledger = await openDatabase({
          name: 'orchestrator',
          url: process.env.ORCHESTRATOR_DATABASE_URL,
        });
        // With OTEL_EXPORTER_OTLP_ENDPOINT set, each account is one trace across the job and the servers.
        const tracing = startTracing({ serviceName: 'tollgate-orchestrator' });
        const logDir = join(tollgateHome(), 'logs');
        const stop = new AbortController();
        const onSignal = () => {
          process.stderr.write(
            '\nStopping after the accounts in flight; run again with the same --run-key to resume.\n',
          );
          stop.abort();
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          process.stderr.write(`Nightly run ${runKey}\n`);
          const servers = orchestrator.serverSpecsFromEnv(SELF, process.env, { logDir });
          const anyStdio = Object.values(servers).some((spec) => spec.kind === 'stdio');
          const { report, files } = await orchestrator.runNightly({
            runKey,
            servers,
            ledger,
            reportDir: options.reportDir ?? join(tollgateHome(), 'reports'),
            config: orchestrator.loadNightlyConfig(options.config),
            scoring: orchestrator.loadScoringConfig(options.scoring),
            limit: options.limit,
            signal: stop.signal,
          });
          process.stdout.write(
            `${orchestrator.renderSummaryTable(report.summary)}\nReport: ${files.html}\n        ${files.json}\n` +
              (anyStdio ? `Server logs (call records of the stdio servers): ${logDir}\n` : ''),
          );
          if (report.summary.status !== 'completed') process.exitCode = 3;
        } finally {
          await ledger.close();
          await tracing?.shutdown().catch(() => undefined);
        }
      },
    );
  return run;
}

export function reportCommand(): Command {
  return new Command('report')
    .description('print the summary of a nightly run again')
    .argument('[run-key]', 'the run (default: today, UTC)')
    .option('--report-dir <dir>', 'where reports are (default: $TOLLGATE_HOME/reports)')
    .option('--json', 'print the whole JSON report instead')
    .action(async (runKey: string | undefined, options: { reportDir?: string; json?: boolean }) => {
      const { readRunReport, renderSummaryTable } = await import('@tollgate/orchestrator');
      const wanted = runKey ?? today();
      // Demo runs keep their reports in the demo's own home; look there too when no directory is named.
      const dirs = options.reportDir
        ? [options.reportDir]
        : [join(tollgateHome(), 'reports'), join(tollgateHome(), 'demo', 'reports')];
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
