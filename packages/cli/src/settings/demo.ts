import * as z from 'zod';
import { processShape } from './common.ts';
import { setting } from './setting.ts';

/** The simulators refuse shorter credentials. */
const MIN_SIMULATOR_CREDENTIAL = 16;

const canary = (server: string) =>
  setting(
    {
      type: 'token',
      unset: "the simulator's own",
      secret: true,
      description: `the credential the simulated vendor requires and the ${server} server uses: set a canary to check that none leaks`,
    },
    (value, fail) =>
      value === undefined || value.length >= MIN_SIMULATOR_CREDENTIAL
        ? value
        : fail(`must be at least ${MIN_SIMULATOR_CREDENTIAL} characters for the demo's simulators.`),
  );

/** `tollgate demo`: everything else the demo sets for its servers itself. */
export const demoSettings = z.object({
  TOLLGATE_HOME: processShape().TOLLGATE_HOME,
  CRM_HUBSPOT_TOKEN: canary('CRM'),
  ENRICHMENT_API_KEY: canary('enrichment'),
});
