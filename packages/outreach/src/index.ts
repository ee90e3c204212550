export {
  createOutreachServer,
  OUTREACH_SCOPES,
  OUTREACH_VERSION,
  type OutreachServerOptions,
} from './createOutreachServer.ts';
export { type CreatedDraft, DraftStore, type DraftStoreOptions, type NewDraft } from './DraftStore.ts';
export { DEFAULT_DRAFT_WINDOW_DAYS, describeDraftWindow, draftWindowMs } from './draftWindow.ts';
export { outreachMigrations } from './migrations.ts';
export { type Draft, draftSchema } from './schemas.ts';
