import { defineTool } from '@tollgate/core';
import * as z from 'zod';
import type { DraftStore } from '../DraftStore.ts';
import { describeDraftWindow } from '../draftWindowFromEnv.ts';
import { draftInput, draftSchema } from '../schemas.ts';

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
    name: 'create_outreach_draft',
    title: 'Create outreach draft',
    description:
      `Save an email draft for a lead. Nothing is sent. ${ruleText(drafts.windowMs)}` +
      'Requires an idempotency_key: repeating a call with the same key returns its first answer instead of a duplicate.',
    scopes: ['drafts:create'],
    kind: 'create',
    input: z.object(draftInput),
    output: z.object({
      draft: draftSchema.describe(
        'The saved draft, or the lead’s draft in this sequence that was already there',
      ),
      existing: z
        .boolean()
        .describe(
          'True when nothing was saved because the lead already had a recent draft in this sequence: `draft` is that draft',
        ),
    }),
    handler: (input, ctx) => drafts.create(input, ctx.db),
  });
