import { describe } from 'vitest';
import { crmBatchSuite } from '../test/crmBatchSuite.ts';
import { builtinVariants, hubSpotVariant } from '../test/crmTestVariants.ts';

describe.each([...builtinVariants(), hubSpotVariant()])('the CRM batch tools, $name', crmBatchSuite);
