import { describe } from 'vitest';
import { hubSpotVariant } from '../test/crmTestVariants.ts';
import { crmToolSuite } from '../test/crmToolSuite.ts';

// The tool suite of crm.test.ts over the HubSpot adapter and the simulator: a file of its own so
// it runs beside the built-in variants rather than after them.
describe('the CRM server, hubspot on the simulator', () => crmToolSuite(hubSpotVariant()));
