import { defineTool } from '@tollgate/core';
import * as z from 'zod';
import type { DraftStore } from '../DraftStore.ts';
import { draftInput, draftSchema } from '../schemas.ts';

export const createOutreachDraftTool = (drafts: DraftStore) =>
  defineTool({
    name: 'create_outreach_draft',
    title: 'Create outreach draft',
    description:
      'Save an email draft for a lead. Nothing is sent. Requires an idempotency_key: repeating a call with the ' +
      'same key returns the first draft instead of a duplicate.',
    scopes: ['drafts:create'],
    kind: 'create',
    input: z.object(draftInput),
    output: z.object({ draft: draftSchema.describe('The saved draft') }),
    handler: async (input, ctx) => ({ draft: await drafts.create(input, ctx.db) }),
  });
