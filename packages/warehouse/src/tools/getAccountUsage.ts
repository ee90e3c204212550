import { defineTool, domainSchema, NotFoundError } from '@tollgate/core';
import * as z from 'zod';
import { runQuery } from '../QueryRunner.ts';
import { count, parseRows } from '../rows.ts';
import type { WarehouseContext } from '../WarehouseContext.ts';

const usageRow = z.object({
  domain: z.string().describe('Normalized company domain'),
  active_users: count.describe('Distinct users active in the window'),
  sessions: count.describe('Product sessions in the window'),
  pricing_page_views: count.describe('Pricing page views in the window'),
  demo_requests: count.describe('Demo requests in the window'),
  // runQuery hands timestamps over as ISO-8601 text already, so the advertised type is the one sent.
  last_active_at: z
    .string()
    .nullable()
    .describe('Last product activity ever, ISO-8601, or null if never active'),
});

export const getAccountUsageTool = (warehouse: WarehouseContext) =>
  defineTool({
    name: 'get_account_usage',
    title: 'Get account usage',
    description:
      'Product usage of one account over the last N days: active users, sessions, pricing page views and demo ' +
      'requests (intent signals). Zeros mean no activity in the window.',
    scopes: ['usage:read'],
    kind: 'read',
    input: z.object({
      domain: domainSchema('Company domain such as acme.com'),
      days: z.number().int().min(1).max(365).default(30).describe('Window in days, 1-365 (default 30)'),
    }),
    output: z.object({
      usage: usageRow
        .extend({ days: z.number().int().describe('The window, in days') })
        .describe('Usage in the window'),
    }),
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
