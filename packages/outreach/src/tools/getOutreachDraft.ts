import { defineTool, NotFoundError } from '@tollgate/core';
import * as z from 'zod';
import type { DraftStore } from '../DraftStore.ts';
import { draftSchema } from '../schemas.ts';

export const getOutreachDraftTool = (drafts: DraftStore) =>
  defineTool({
    name: 'get_outreach_draft',
    title: 'Get outreach draft',
    description: 'Read one draft by its id.',
    scopes: ['drafts:read'],
    kind: 'read',
    input: z.object({ id: z.uuid().describe('Draft id, as returned by create_outreach_draft') }),
    output: z.object({ draft: draftSchema.describe('The draft') }),
    handler: async ({ id }) => {
      const draft = await drafts.get(id);
      if (draft === undefined) {
        throw new NotFoundError(`No draft with id ${id}.`, {
          hint: 'List drafts with list_outreach_drafts.',
        });
      }
      return { draft };
    },
  });
