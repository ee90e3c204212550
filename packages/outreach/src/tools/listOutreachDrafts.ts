import { defineTool, keysetPage } from '@tollgate/core';
import * as z from 'zod';
import type { DraftStore } from '../DraftStore.ts';
import { draftFilter, draftSchema } from '../schemas.ts';

export const listOutreachDraftsTool = (drafts: DraftStore) =>
  defineTool({
    name: 'list_outreach_drafts',
    title: 'List outreach drafts',
    description:
      'List drafts, oldest first, one page at a time, optionally for one company, lead or sequence. Pass ' +
      'next_cursor back as cursor (with the same filter) for the next page; it is null on the last page.',
    scopes: ['drafts:read'],
    kind: 'read',
    input: z.object({
      filter: draftFilter,
      cursor: z.string().min(1).max(1000).optional().describe('next_cursor from the previous page'),
      limit: z.number().int().min(1).max(100).default(25).describe('Page size, 1-100 (default 25)'),
    }),
    output: z.object({
      drafts: z.array(draftSchema).describe('This page of drafts'),
      next_cursor: z.string().nullable().describe('Cursor for the next page, or null when this is the last'),
    }),
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
