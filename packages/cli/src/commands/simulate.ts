import { Command, InvalidArgumentError, Option } from 'commander';
import { port } from '../parsers.ts';

/** Ports the committed .mcp.json expects; change both together. */
export const DEFAULT_ENRICHMENT_PORT = 4510;
export const DEFAULT_CRM_PORT = 4520;

export function simulateCommand(): Command {
  return new Command('simulate')
    .description(
      'run the vendor simulators (PDL-style enrichment, HubSpot-style CRM) on loopback until stopped',
    )
    .addOption(
      new Option('--enrichment-port <port>', 'enrichment vendor port')
        .argParser(port)
        .default(DEFAULT_ENRICHMENT_PORT),
    )
    .addOption(new Option('--crm-port <port>', 'CRM vendor port').argParser(port).default(DEFAULT_CRM_PORT))
    .option('--seed <seed>', 'seed for companies and faults', '20261123')
    .option('--faults <json>', 'fault config for both, e.g. \'{"errors":{"server_error":0.05}}\'')
    .action(async (options: { enrichmentPort: number; crmPort: number; seed: string; faults?: string }) => {
      const { startCrmSimulator, startEnrichmentSimulator } = await import('@tollgate/simulators');
      let faults: unknown;
      try {
        faults = options.faults === undefined ? undefined : JSON.parse(options.faults);
      } catch {
        throw new InvalidArgumentError('--faults must be JSON');
      }
      const seed = /^\d+$/.test(options.seed) ? Number(options.seed) : options.seed;
      const enrichment = await startEnrichmentSimulator({
        seed,
        port: options.enrichmentPort,
        ...(faults === undefined ? {} : { faults: faults as never }),
      });
      const crm = await startCrmSimulator({
        seed,
        port: options.crmPort,
        ...(faults === undefined ? {} : { faults: faults as never }),
      });
      process.stderr.write(
        [
          'Vendor simulators running (Ctrl-C to stop):',
          `  ENRICHMENT_VENDOR_URL=${enrichment.url.origin}  ENRICHMENT_API_KEY=${enrichment.apiKey}`,
          `  CRM_HUBSPOT_URL=${crm.url.origin}  CRM_HUBSPOT_TOKEN=${crm.token}`,
          '',
        ].join('\n'),
      );
      const stop = () => void Promise.all([enrichment.close(), crm.close()]).then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
