import { scopesOf } from '@tollgate/core/client';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { crmContract } from '../contract.ts';
import { createTasksTool, getAccountsTool, upsertAccountsTool, upsertLeadsTool } from './batchTools.ts';
import { createTaskTool } from './createTask.ts';
import { getAccountTool } from './getAccount.ts';
import { listOwnersTool } from './listOwners.ts';
import { listTasksTool } from './listTasks.ts';
import { searchLeadsTool } from './searchLeads.ts';
import { upsertAccountTool } from './upsertAccount.ts';
import { upsertLeadTool } from './upsertLead.ts';

/** The CRM's tools over any adapter. */
export function crmTools(crm: CrmAdapter) {
  return [
    getAccountTool(crm),
    upsertAccountTool(crm),
    upsertLeadTool(crm),
    searchLeadsTool(crm),
    createTaskTool(crm),
    listTasksTool(crm),
    listOwnersTool(crm),
    getAccountsTool(crm),
    upsertAccountsTool(crm),
    upsertLeadsTool(crm),
    createTasksTool(crm),
  ];
}

/** Every scope a CRM tool declares; the default grant. */
export const CRM_SCOPES = scopesOf(crmContract);
