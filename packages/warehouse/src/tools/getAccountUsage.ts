import { defineTool, NotFoundError } from '@tollgate/core';
import { getAccountUsage, usageRow } from '../contract.ts';
import { runQuery } from '../QueryRunner.ts';
import { parseRows } from '../rows.ts';
import type { WarehouseContext } from '../WarehouseContext.ts';

export const getAccountUsageTool = (warehouse: WarehouseContext) =>
  defineTool({
    ...getAccountUsage,
    handler: async ({ domain, days }) => {
      const result = await runQuery(
        warehouse.db,
        'tools.account_usage',
        warehouse.config.tools.account_usage,
        { domain, days },
        warehouse.limits,
      );
      const [row] = parseRows(usageRow, result.rows, 'tools.account_usage');
      if (row === undefined) {
        throw new NotFoundError(`The warehouse has no account ${domain}.`, {
          hint: 'Use a domain from list_accounts.',
        });
      }
      return { usage: { ...row, days } };
    },
  });
