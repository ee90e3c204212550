export type { CrmAdapter } from './adapter/CrmAdapter.ts';
export { HubSpotCrmAdapter, type HubSpotCrmOptions } from './adapter/HubSpotCrmAdapter.ts';
export { crmMigrations } from './adapter/migrations.ts';
export { SqlCrmAdapter } from './adapter/SqlCrmAdapter.ts';
export {
  CRM_VERSION,
  type CrmServer,
  type CrmServerOptions,
  createCrmServer,
} from './createCrmServer.ts';
export {
  type Account,
  type AccountUpsert,
  accountSchema,
  type Lead,
  type LeadFilter,
  type LeadUpsert,
  leadSchema,
  type Owner,
  ownerSchema,
  type Task,
  type TaskFilter,
  type TaskInput,
  taskSchema,
} from './schemas.ts';
export { CRM_SCOPES, crmTools } from './tools/index.ts';
