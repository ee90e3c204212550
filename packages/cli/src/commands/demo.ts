import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase, pgliteSnapshot } from '@tollgate/core/store';
import { startTracing } from '@tollgate/core/telemetry';
import { Command } from 'commander';
import { SELF, today } from '../launch.ts';
import { exitStatus, StopSignals } from '../nightlyEnding.ts';
import { positive } from '../parsers.ts';
import { demoSettings } from '../settings/demo.ts';
import { settingsHelp } from '../settings/renderSettings.ts';
import { parseSettings, settingsOf } from '../settings/setting.ts';

/** Limits of the demo's vendors, scaled so a 400-account run takes seconds, not an hour. */
const DEMO_LIMITS = { crmPerSecond: 100, enrichmentPerSecond: 60 };

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'the nightly job over demo accounts, against vendor simulators with realistic faults; no setup',
    )
    .option('--accounts <n>', 'demo accounts in the warehouse', positive, 400)
    .option(
      '--run-key <key>',
      'names the run; run the demo twice with the same key to see nothing written twice',
    )
    .option('--fresh', 'forget earlier demo runs first')
    .option('--new-run', "start today's demo run even when the last one is unfinished")
    .addHelpText(
      'after',
      '\nWithout --run-key an unfinished last demo run is resumed. Ctrl-C stops it gently (a second Ctrl-C exits at once);\n' +
        'exit status as for `tollgate run nightly` (0 completed, 3 incomplete, 4 report not written, 130/143 interrupted).\n' +
        "The demo sets the servers' own settings itself; of yours it reads only these:\n" +
        settingsHelp(settingsOf(demoSettings), 'Settings (environment variables; empty is unset)'),
    )
    .action(async (options: { accounts: number; runKey?: string; fresh?: boolean; newRun?: boolean }) => {
      let runKey = options.runKey ?? `demo-${today()}`;
      let quote = (value: string) => value;
      const resumeLine = () =>
        `tollgate demo --run-key ${quote(runKey)}${options.accounts === 400 ? '' : ` --accounts ${options.accounts}`}`;
      const stop = new StopSignals(resumeLine);
      const settings = parseSettings(demoSettings, process.env);
      const { startCrmSimulator, startEnrichmentSimulator } = await import('@tollgate/simulators');
      const orchestrator = await import('@tollgate/orchestrator');
      quote = orchestrator.shellWord;
      const home = join(settings.TOLLGATE_HOME, 'demo');
      if (options.fresh) await rm(home, { recursive: true, force: true });

      const enrichment = await startEnrichmentSimulator({
        ...(settings.ENRICHMENT_API_KEY === undefined ? {} : { apiKey: settings.ENRICHMENT_API_KEY }),
        companyCount: options.accounts,
        rateLimit: { limit: DEMO_LIMITS.enrichmentPerSecond, windowMs: 1000 },
        faults: { errors: { server_error: 0.02, rate_limit: 0.01 } },
      });
      const crm = await startCrmSimulator({
        ...(settings.CRM_HUBSPOT_TOKEN === undefined ? {} : { token: settings.CRM_HUBSPOT_TOKEN }),
        rateLimit: { max: DEMO_LIMITS.crmPerSecond, intervalMs: 1000 },
        searchRateLimit: { max: 50, intervalMs: 1000 },
        indexingLagMs: { minMs: 50, maxMs: 250 },
        faults: { errors: { server_error: 0.02, lock: 0.02, migration: 0.005 }, retryAfterSeconds: 1 },
      });
      process.stderr.write(
        `Demo: ${options.accounts} accounts, data in ${home}\n` +
          `  simulated enrichment vendor ${enrichment.url.origin} (${DEMO_LIMITS.enrichmentPerSecond}/s fixed window, 2% 5xx, a 3 s outage)\n` +
          `  simulated HubSpot-style CRM ${crm.url.origin} (${DEMO_LIMITS.crmPerSecond}/s rolling window, 2% 5xx, 2% record locks)\n`,
      );
      // The servers' environment: the demo's vendors and home, nothing else of the caller's.
      const env: Record<string, string | undefined> = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TOLLGATE_HOME: home,
        CRM_ADAPTER: 'hubspot',
        CRM_HUBSPOT_URL: crm.url.origin,
        CRM_HUBSPOT_TOKEN: crm.token,
        ENRICHMENT_VENDOR_URL: enrichment.url.origin,
        ENRICHMENT_API_KEY: enrichment.apiKey,
        ENRICHMENT_TIMEOUT_MS: '2000',
        WAREHOUSE_DEMO_ACCOUNTS: String(options.accounts),
        // The servers export spans to the same collector as the job, when one is configured.
        ...Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('OTEL_'))),
      };
      // One initdb for the whole demo, before four servers and the ledger all want one at once.
      await pgliteSnapshot(home);
      const ledger = await openDatabase({ name: 'orchestrator', home });
      const tracing = startTracing({ serviceName: 'tollgate-orchestrator' });
      try {
        const choice = await orchestrator.chooseRun(ledger, {
          requested: options.runKey,
          defaultKey: runKey,
          newRun: options.newRun,
          command: 'tollgate demo',
        });
        runKey = choice.runKey;
        if (choice.notice) process.stderr.write(`${choice.notice}\n`);
        process.stderr.write(`Demo run ${runKey}\n`);
        const result = await orchestrator.runNightly({
          runKey,
          servers: orchestrator.serverSpecs(
            { servers: {} },
            { launch: SELF, env, logDir: join(home, 'logs') },
          ),
          ledger,
          reportDir: join(home, 'reports'),
          signal: stop.signal,
          config: orchestrator.loadNightlyConfig(orchestrator.DEMO_NIGHTLY_CONFIG_PATH),
          // The enrichment outage starts two seconds into the work, whenever the servers are up.
          onReady: () => {
            const at = enrichment.stats().uptimeMs + 2_000;
            enrichment.setFaults({
              errors: { server_error: 0.02, rate_limit: 0.01 },
              outages: [{ startMs: at, endMs: at + 3_000 }],
            });
          },
        });
        const { report, files } = result;
        process.stdout.write(
          `${orchestrator.renderSummaryTable(report.summary, { resumeCommand: resumeLine() })}\n`,
        );
        if (files) process.stdout.write(`Report: ${files.html}\n        ${files.json}\n`);
        else
          process.stderr.write(
            `The report was not written: ${result.reportError}. The work done is saved in the run ledger; run \`${resumeLine()}\` to write it.\n`,
          );
        process.stdout.write(`Server logs (every call record): ${join(home, 'logs')}\n`);
        if (report.summary.status === 'completed')
          process.stdout.write(
            report.summary.accounts.resumed === report.summary.accounts.total
              ? 'Every account was already finished by an earlier demo run with this key: nothing was written.\n'
              : `Run \`npx tollgate demo\` again: the same run key (${runKey}) writes nothing new.\n`,
          );
        const duplicates = crm.stats().duplicates;
        process.stdout.write(`CRM duplicates (simulator's own count): ${JSON.stringify(duplicates)}\n`);
        process.exitCode = exitStatus(result, stop.received);
      } finally {
        stop.dispose();
        await ledger.close();
        await tracing?.shutdown().catch(() => undefined);
        await Promise.all([enrichment.close(), crm.close()]);
      }
    });
}
