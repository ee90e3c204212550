import { defineTool, keysetPage } from '@tollgate/core';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { searchLeads } from '../contract.ts';

export const searchLeadsTool = (crm: CrmAdapter) =>
  defineTool({
    ...searchLeads,
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
