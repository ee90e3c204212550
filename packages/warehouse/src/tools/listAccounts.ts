import { defineTool, keysetPage } from '@tollgate/core';
import * as z from 'zod';
import { runQuery } from '../QueryRunner.ts';
import { nullableNumber, nullableString, parseRows } from '../rows.ts';
import type { WarehouseContext } from '../WarehouseContext.ts';

const accountRow = z.object({
  domain: z.string().describe('Normalized company domain'),
  name: z.string().describe('Company name'),
  segment: z.string().describe('Segment, e.g. smb, mid_market or enterprise'),
  employee_count: nullableNumber.describe('Employees, or null if unknown'),
  industry: nullableString.describe('Industry, or null if unknown'),
  country: nullableString.describe('Country, or null if unknown'),
  plan: z.string().describe('Product plan'),
  arr: z.coerce.number().describe('Annual recurring revenue in USD'),
  contact_email: nullableString.describe('Main product user’s email, or null if none on file'),
  contact_first_name: nullableString.describe('Main product user’s first name, or null'),
  contact_last_name: nullableString.describe('Main product user’s last name, or null'),
  contact_title: nullableString.describe('Main product user’s job title, or null'),
});

export const listAccountsTool = (warehouse: WarehouseContext) =>
  defineTool({
    name: 'list_accounts',
    title: 'List accounts',
    description:
      'List warehouse accounts of a segment, ordered by domain, one page at a time. Pass next_cursor back as ' +
      'cursor (with the same segment) for the next page; next_cursor is null on the last page.',
    scopes: ['accounts:read'],
    kind: 'read',
    input: z.object({
      segment: z
        .string()
        .min(1)
        .max(64)
        .default('all')
        .describe('Segment to list, e.g. smb, mid_market, enterprise; "all" (default) for every account'),
      cursor: z.string().min(1).max(1000).optional().describe('next_cursor from the previous page'),
      limit: z.number().int().min(1).max(500).default(100).describe('Page size, 1-500 (default 100)'),
    }),
    output: z.object({
      accounts: z.array(accountRow).describe('This page of accounts'),
      next_cursor: z.string().nullable().describe('Cursor for the next page, or null when this is the last'),
    }),
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
