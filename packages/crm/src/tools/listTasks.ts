import { defineTool, keysetPage } from '@tollgate/core';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { listTasks } from '../contract.ts';

export const listTasksTool = (crm: CrmAdapter) =>
  defineTool({
    ...listTasks,
    handler: async ({ filter, cursor, limit }) => {
      const { rows, next_cursor } = await keysetPage({
        tool: 'list_tasks',
        filter,
        cursor,
        limit,
        fetch: (after, count) => crm.listTasks(filter, after, count),
        keyOf: (task) => task.id,
      });
      return { tasks: rows, next_cursor };
    },
  });
