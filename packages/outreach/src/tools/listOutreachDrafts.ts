import { defineTool, keysetPage } from '@tollgate/core';
import { listOutreachDrafts } from '../contract.ts';
import type { DraftStore } from '../DraftStore.ts';

export const listOutreachDraftsTool = (drafts: DraftStore) =>
  defineTool({
    ...listOutreachDrafts,
    handler: async ({ filter, cursor, limit }) => {
      const { rows, next_cursor } = await keysetPage({
        tool: 'list_outreach_drafts',
        filter,
        cursor,
        limit,
        fetch: (after, count) => drafts.list(filter, after, count),
        keyOf: (draft) => draft.id,
      });
      return { drafts: rows, next_cursor };
    },
  });
