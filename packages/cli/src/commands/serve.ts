import { StdioTransport, type TollgateServer } from '@tollgate/core';
import { Command, Option } from 'commander';
import type * as z from 'zod';
import { port } from '../parsers.ts';
import { crmServer, crmSettings } from '../settings/crm.ts';
import { enrichmentServer, enrichmentSettings } from '../settings/enrichment.ts';
import { type HttpAuthStart, type httpAuthSettings, httpAuthStart } from '../settings/httpAuth.ts';
import { outreachServer, outreachSettings } from '../settings/outreach.ts';
import { settingsHelp } from '../settings/renderSettings.ts';
import { parseSettings, type SettingsSchema, settingsOf } from '../settings/setting.ts';
import { warehouseServer, warehouseSettings } from '../settings/warehouse.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** One server of `tollgate serve`: its settings schemas, and how its settings become the server. */
function entry<S extends SettingsSchema>(
  prefix: string,
  describe: string,
  settings: { stdio: S; http: ReturnType<typeof httpAuthSettings> },
  create: (settings: z.output<S>) => Promise<TollgateServer>,
) {
  return {
    prefix,
    describe,
    settings,
    /** Parses every setting now; the server is built when `create` is called. */
    prepare(env: Env, http: boolean): { auth: HttpAuthStart; create: () => Promise<TollgateServer> } {
      const parsed = parseSettings(settings.stdio, env);
      const auth = http ? httpAuthStart(prefix, parseSettings(settings.http, env, prefix)) : {};
      return { auth, create: () => create(parsed) };
    },
  };
}

/** Every server `tollgate serve` can start, each configured by its own settings schema. */
export const SERVERS = {
  crm: entry('CRM', 'CRM accounts, leads, tasks and owners', crmSettings, crmServer),
  enrichment: entry(
    'ENRICHMENT',
    'company signals from an enrichment vendor, cached',
    enrichmentSettings,
    enrichmentServer,
  ),
  warehouse: entry(
    'WAREHOUSE',
    'read-only accounts, usage and named queries',
    warehouseSettings,
    warehouseServer,
  ),
  outreach: entry('OUTREACH', 'email drafts, never sent', outreachSettings, outreachServer),
};

interface ServeFlags {
  http?: boolean;
  ignoreInterrupt?: boolean;
  port: number;
  host: string;
  allowedHosts?: string;
}

/** `tollgate serve <server> --help`: the server's settings, the stdio ones and those for --http. */
export function serveHelp(name: keyof typeof SERVERS): string {
  const { prefix, settings } = SERVERS[name];
  return (
    settingsHelp(settingsOf(settings.stdio), 'Settings (environment variables; empty is unset)') +
    settingsHelp(settingsOf(settings.http, prefix), 'With --http (bearer-token auth; see docs/deployment.md)')
  );
}

function serveOne(name: keyof typeof SERVERS): Command {
  const entry = SERVERS[name];
  return new Command(name)
    .description(`${entry.describe}, over stdio (default) or Streamable HTTP`)
    .option('--http', 'serve Streamable HTTP instead of stdio')
    .option(
      '--ignore-interrupt',
      'ignore SIGINT: for a parent (the nightly job) that shares the terminal and stops this server by closing its stdin',
    )
    .addOption(new Option('--port <port>', 'HTTP port (0 picks a free one)').argParser(port).default(0))
    .option('--host <host>', 'HTTP interface to bind', '127.0.0.1')
    .option(
      '--allowed-hosts <names>',
      'comma-separated Host names accepted when binding a non-loopback interface',
    )
    .addHelpText('after', () => serveHelp(name))
    .action(async (options: ServeFlags) => {
      // Every setting first, so a bad one fails before any store opens, and names the variable.
      const { auth, create } = entry.prepare(process.env, options.http === true);
      // Listening on stdio before anything else starts: a client that gives up during start-up (a
      // `claude -p` that ends at once) stops this process now, not after the server is built.
      const stdio = options.http ? undefined : new StdioTransport();
      // From the first moment: a Ctrl-C during start-up must not kill a child the job still counts on.
      if (options.ignoreInterrupt) process.on('SIGINT', () => undefined);
      let handedOver = false;
      void stdio?.ended.then(() => {
        if (!handedOver) process.exit(0);
      });
      const server = await create();
      handedOver = true;
      const { unauthenticatedSetting, ...httpAuth } = auth;
      await server.start({
        ...(options.http
          ? {
              http: {
                port: options.port,
                host: options.host,
                ...(options.allowedHosts
                  ? { allowedHosts: options.allowedHosts.split(',').map((h) => h.trim()) }
                  : {}),
                ...httpAuth,
              },
            }
          : stdio
            ? { stdio }
            : {}),
        ...(unauthenticatedSetting === undefined ? {} : { unauthenticatedSetting }),
        ...(options.ignoreInterrupt ? { ignoreInterrupt: true } : {}),
      });
    });
}

export function serveCommand(): Command {
  const serve = new Command('serve')
    .description('run one Tollgate MCP server over stdio (default) or Streamable HTTP')
    .addHelpText(
      'after',
      '\nData lives in $TOLLGATE_HOME (default ~/.tollgate) unless a database URL is set.\n' +
        'Each server reads only its own settings: `tollgate serve <server> --help` lists them.',
    );
  for (const name of Object.keys(SERVERS) as (keyof typeof SERVERS)[]) serve.addCommand(serveOne(name));
  return serve;
}
