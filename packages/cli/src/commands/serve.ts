import { StdioTransport, type TollgateServer } from '@tollgate/core';
import { httpAuthFromEnv } from '@tollgate/core/settings';
import { Command, InvalidArgumentError, Option } from 'commander';
import { port } from '../parsers.ts';

/** Every server `tollgate serve` can start, each configured from its own environment variables. */
const SERVERS: Record<string, { prefix: string; describe: string; start: () => Promise<TollgateServer> }> = {
  crm: {
    prefix: 'CRM',
    describe: 'CRM accounts, leads, tasks and owners (CRM_SCOPES, CRM_DATABASE_URL, CRM_DATA_DIR)',
    start: async () => (await import('@tollgate/crm')).createCrmServerFromEnv(),
  },
  enrichment: {
    prefix: 'ENRICHMENT',
    describe:
      'company signals from an enrichment vendor, cached (ENRICHMENT_VENDOR_URL, ENRICHMENT_API_KEY, ENRICHMENT_SCOPES)',
    start: async () => (await import('@tollgate/enrichment')).createEnrichmentServerFromEnv(),
  },
  warehouse: {
    prefix: 'WAREHOUSE',
    describe:
      'read-only accounts, usage and named queries (WAREHOUSE_DATABASE_URL, WAREHOUSE_QUERIES, WAREHOUSE_SCOPES)',
    start: async () => (await import('@tollgate/warehouse')).createWarehouseServerFromEnv(),
  },
  outreach: {
    prefix: 'OUTREACH',
    describe: 'email drafts, never sent (OUTREACH_SCOPES, OUTREACH_DATABASE_URL, OUTREACH_DATA_DIR)',
    start: async () => (await import('@tollgate/outreach')).createOutreachServerFromEnv(),
  },
};

export function serveCommand(): Command {
  return new Command('serve')
    .description('run one Tollgate MCP server over stdio (default) or Streamable HTTP')
    .argument('<server>', `one of: ${Object.keys(SERVERS).join(', ')}`)
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
    .addHelpText(
      'after',
      `\nServers:\n${Object.entries(SERVERS)
        .map(([name, { describe }]) => `  ${name.padEnd(12)} ${describe}`)
        .join('\n')}\n\nData lives in $TOLLGATE_HOME (default ~/.tollgate) unless a database URL is set.\n` +
        'Over HTTP, <PREFIX>_AUTH_ISSUER turns on bearer-token auth (see docs/deployment.md).',
    )
    .action(
      async (
        name: string,
        options: {
          http?: boolean;
          ignoreInterrupt?: boolean;
          port: number;
          host: string;
          allowedHosts?: string;
        },
      ) => {
        const entry = SERVERS[name];
        if (entry === undefined) {
          throw new InvalidArgumentError(
            `unknown server "${name}"; choose one of: ${Object.keys(SERVERS).join(', ')}`,
          );
        }
        // Read first, so a bad auth setting fails before any store opens, and names the variable.
        const auth = options.http ? httpAuthFromEnv(entry.prefix) : {};
        // Listening on stdio before anything else starts: a client that gives up during start-up (a
        // `claude -p` that ends at once) stops this process now, not after the server is built.
        const stdio = options.http ? undefined : new StdioTransport();
        // From the first moment: a Ctrl-C during start-up must not kill a child the job still counts on.
        if (options.ignoreInterrupt) process.on('SIGINT', () => undefined);
        let handedOver = false;
        void stdio?.ended.then(() => {
          if (!handedOver) process.exit(0);
        });
        const server = await entry.start();
        handedOver = true;
        await server.start({
          ...(options.http
            ? {
                http: {
                  port: options.port,
                  host: options.host,
                  ...(options.allowedHosts
                    ? { allowedHosts: options.allowedHosts.split(',').map((h) => h.trim()) }
                    : {}),
                  ...auth,
                },
              }
            : stdio
              ? { stdio }
              : {}),
          ...(options.ignoreInterrupt ? { ignoreInterrupt: true } : {}),
        });
      },
    );
}
