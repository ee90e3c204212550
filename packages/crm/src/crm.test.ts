import { describe } from 'vitest';
import { builtinVariants } from '../test/crmTestVariants.ts';
import { crmToolSuite } from '../test/crmToolSuite.ts';

// The built-in SQL store on both database backends; crm.hubspot.test.ts runs the same suite on HubSpot.
describe.each(builtinVariants())('the CRM server, $name', crmToolSuite);
