import { defineBatchTool, defineTool } from '@tollgate/core';
import { createOutreachDraft, createOutreachDrafts, DRAFT_KEY_RULE } from '../contract.ts';
import type { DraftStore } from '../DraftStore.ts';
import { describeDraftWindow } from '../draftWindow.ts';

/** The one-draft rule as the model reads it, with the window this server keeps. */
function ruleText(windowMs: number): string {
  if (windowMs <= 0) return 'Every call with a new idempotency_key saves a new draft. ';
  const window = describeDraftWindow(windowMs);
  return (
    `A lead has at most one draft per sequence in any ${window}: a call for a lead and sequence that ` +
    `already has a draft from the last ${window} saves nothing and answers that draft with existing: true ` +
    '(drafts without a sequence count as one sequence). '
  );
}

export const createOutreachDraftTool = (drafts: DraftStore) =>
  defineTool({
    ...createOutreachDraft,
    description: `Save an email draft for a lead. Nothing is sent. ${ruleText(drafts.windowMs)}${DRAFT_KEY_RULE}`,
    handler: (input, ctx) => drafts.create(input, ctx.db),
  });

export const createOutreachDraftsTool = (drafts: DraftStore) =>
  defineBatchTool({
    ...createOutreachDrafts,
    description:
      'Save up to 100 email drafts in one call; prefer it to create_outreach_draft for more than a few. Nothing is ' +
      `sent. ${ruleText(drafts.windowMs)}Each item carries its own idempotency_key: a repeated item returns its first ` +
      'answer, and only items that failed retryably need sending again.',
    // Every item's draft and key commit in the call's one transaction (ctx.db).
    handler: (items, ctx) => drafts.createMany(items, ctx.db),
  });
