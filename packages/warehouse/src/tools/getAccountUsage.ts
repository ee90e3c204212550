import { defineTool, NotFoundError } from '@tollgate/core';
import type * as z from 'zod';
import { getAccountUsage, usageRow } from '../contract.ts';
import { runQuery } from '../QueryRunner.ts';
import { parseRows } from '../rows.ts';
import type { WarehouseContext } from '../WarehouseContext.ts';

/** One account's usage row from `tools.account_usage`; undefined when the warehouse has no such account. */
export async function accountUsage(
  warehouse: WarehouseContext,
  domain: string,
  days: number,
): Promise<z.output<typeof usageRow> | undefined> {
  const result = await runQuery(
    warehouse.db,
    'tools.account_usage',
    warehouse.config.tools.account_usage,
    { domain, days },
    warehouse.limits,
  );
  return parseRows(usageRow, result.rows, 'tools.account_usage')[0];
}

/** The answer for a domain the warehouse does not have. */
export const noSuchAccount = (domain: string) =>
  new NotFoundError(`The warehouse has no account ${domain}.`, { hint: 'Use a domain from list_accounts.' });

export const getAccountUsageTool = (warehouse: WarehouseContext) =>
  defineTool({
    ...getAccountUsage,
    handler: async ({ domain, days }) => {
      const row = await accountUsage(warehouse, domain, days);
      if (row === undefined) throw noSuchAccount(domain);
      return { usage: { ...row, days } };
    },
  });
