import { defineTool, keysetPage } from '@tollgate/core';
import { accountRow, listAccounts } from '../contract.ts';
import { runQuery } from '../QueryRunner.ts';
import { parseRows } from '../rows.ts';
import type { WarehouseContext } from '../WarehouseContext.ts';

export const listAccountsTool = (warehouse: WarehouseContext) =>
  defineTool({
    ...listAccounts,
    handler: async ({ segment, cursor, limit }) => {
      const { rows, next_cursor } = await keysetPage({
        tool: 'list_accounts',
        filter: { segment },
        cursor,
        limit,
        fetch: async (after, count) => {
          const result = await runQuery(
            warehouse.db,
            'tools.list_accounts',
            warehouse.config.tools.list_accounts,
            // The configured query pages with `domain > :after`; the first page starts after ''.
            { segment, after: after ?? '', limit: count },
            warehouse.limits,
          );
          return parseRows(accountRow, result.rows, 'tools.list_accounts');
        },
        keyOf: (account) => account.domain,
      });
      return { accounts: rows, next_cursor };
    },
  });
