import { defineBatchTool } from '@tollgate/core';
import { getAccountsUsage, usageRow } from '../contract.ts';
import { runQuery } from '../QueryRunner.ts';
import { parseRows } from '../rows.ts';
import type { WarehouseContext } from '../WarehouseContext.ts';
import { accountUsage, noSuchAccount } from './getAccountUsage.ts';

type Usage = ReturnType<typeof usageRow.parse>;

/**
 * The usage of many accounts: one `tools.accounts_usage` query per window asked for, when the
 * warehouse config has it; otherwise `tools.account_usage` once per domain, as many single calls
 * would, so an operator's older config still serves the tool.
 */
export const getAccountsUsageTool = (warehouse: WarehouseContext) =>
  defineBatchTool({
    ...getAccountsUsage,
    handler: async (items) => {
      const found = new Map<string, Usage>();
      const key = (domain: string, days: number) => `${days}:${domain}`;
      const windows = new Map<number, string[]>();
      for (const { domain, days } of items) windows.set(days, [...(windows.get(days) ?? []), domain]);
      const many = warehouse.config.tools.accounts_usage;
      for (const [days, domains] of windows) {
        if (many !== undefined) {
          const unique = [...new Set(domains)];
          const result = await runQuery(
            warehouse.db,
            'tools.accounts_usage',
            many,
            { domains: unique, days },
            { ...warehouse.limits, maxRows: Math.max(warehouse.limits.maxRows, unique.length) },
          );
          for (const row of parseRows(usageRow, result.rows, 'tools.accounts_usage')) {
            found.set(key(row.domain, days), row);
          }
          continue;
        }
        for (const domain of new Set(domains)) {
          const row = await accountUsage(warehouse, domain, days);
          if (row !== undefined) found.set(key(domain, days), row);
        }
      }
      return items.map(({ domain, days }) => {
        const row = found.get(key(domain, days));
        return row === undefined ? noSuchAccount(domain) : { usage: { ...row, days } };
      });
    },
  });
