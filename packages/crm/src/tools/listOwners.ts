import { defineTool } from '@tollgate/core';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { listOwners } from '../contract.ts';

export const listOwnersTool = (crm: CrmAdapter) =>
  defineTool({
    ...listOwners,
    handler: async () => ({ owners: await crm.listOwners() }),
  });
