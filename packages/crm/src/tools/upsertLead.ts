import { defineTool } from '@tollgate/core';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { upsertLead } from '../contract.ts';
import { applyClear, type LeadUpsert } from '../schemas.ts';

export const upsertLeadTool = (crm: CrmAdapter) =>
  defineTool({
    ...upsertLead,
    openWorld: crm.kind !== 'builtin',
    handler: (input) => crm.upsertLead(applyClear(input) as LeadUpsert),
  });
