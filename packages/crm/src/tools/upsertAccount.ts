import { defineTool } from '@tollgate/core';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { upsertAccount } from '../contract.ts';
import { type AccountUpsert, applyClear } from '../schemas.ts';

export const upsertAccountTool = (crm: CrmAdapter) =>
  defineTool({
    ...upsertAccount,
    openWorld: crm.kind !== 'builtin',
    handler: (input) => crm.upsertAccount(applyClear(input) as AccountUpsert),
  });
