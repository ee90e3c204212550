import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
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
  ];
}

/** Every scope a CRM tool declares; the default grant. */
export const CRM_SCOPES = [
  'accounts:read',
  'accounts:upsert',
  'leads:read',
  'leads:upsert',
  'tasks:create',
  'tasks:read',
  'owners:read',
] as const;
