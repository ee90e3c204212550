import { defineTool } from '@tollgate/core';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { getAccount } from '../contract.ts';

export const getAccountTool = (crm: CrmAdapter) =>
  defineTool({
    ...getAccount,
    handler: async ({ domain }) => ({ account: await crm.getAccount(domain) }),
  });
