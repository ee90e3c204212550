import { defineTool, keysetPage } from '@tollgate/core';
import * as z from 'zod';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { domainInput, LEAD_STATUSES, leadSchema } from '../schemas.ts';

export const searchLeadsTool = (crm: CrmAdapter) =>
  defineTool({
    name: 'search_leads',
    title: 'Search leads',
    description:
      'List leads matching a filter, ordered by email, one page at a time. Pass next_cursor back as cursor ' +
      '(with the same filter) for the next page; next_cursor is null on the last page.',
    scopes: ['leads:read'],
    kind: 'read',
    input: z.object({
      filter: z
        .object({
          domain: domainInput().optional(),
          status: z.enum(LEAD_STATUSES).optional().describe('Only leads in this status'),
          min_score: z.number().int().min(0).max(100).optional().describe('Only leads scored at least this'),
        })
        .default({})
        .describe('Conditions every returned lead meets; omit for all leads'),
      cursor: z.string().min(1).max(1000).optional().describe('next_cursor from the previous page'),
      limit: z.number().int().min(1).max(100).default(25).describe('Page size, 1-100 (default 25)'),
    }),
    output: z.object({
      leads: z.array(leadSchema).describe('This page of leads'),
      next_cursor: z.string().nullable().describe('Cursor for the next page, or null when this is the last'),
    }),
    handler: async ({ filter, cursor, limit }) => {
      const { rows, next_cursor } = await keysetPage({
        tool: 'search_leads',
        filter,
        cursor,
        limit,
        fetch: (after, count) => crm.searchLeads(filter, after, count),
        keyOf: (lead) => lead.email,
      });
      return { leads: rows, next_cursor };
    },
  });
