export {
  createOutreachServer,
  createOutreachServerFromEnv,
  OUTREACH_SCOPES,
  OUTREACH_VERSION,
  type OutreachServerOptions,
} from './createOutreachServer.ts';
export { DraftStore, type NewDraft } from './DraftStore.ts';
export { outreachMigrations } from './migrations.ts';
export { type Draft, draftSchema } from './schemas.ts';
