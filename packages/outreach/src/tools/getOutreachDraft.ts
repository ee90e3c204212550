import { defineTool, NotFoundError } from '@tollgate/core';
import { getOutreachDraft } from '../contract.ts';
import type { DraftStore } from '../DraftStore.ts';

export const getOutreachDraftTool = (drafts: DraftStore) =>
  defineTool({
    ...getOutreachDraft,
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
