/**
 * `@tollgate/warehouse/contract`: the warehouse server's tools as clients see them (names, scopes,
 * input and output), importable without the database or the query configuration.
 */
import { batchToolContract, domainSchema, serverContract, toolContract } from '@tollgate/core';
import * as z from 'zod';
import { count, nullableNumber, nullableString } from './rows.ts';

export const accountRow = z.object({
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
/** One account as `list_accounts` answers it. */
export type WarehouseAccount = z.output<typeof accountRow>;

export const usageRow = z.object({
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

export const listAccounts = toolContract({
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
});

export const getAccountUsage = toolContract({
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
});

export const getAccountsUsage = batchToolContract({
  name: 'get_accounts_usage',
  title: 'Get accounts usage',
  description:
    'Product usage of up to 100 accounts in one call, each as get_account_usage answers it; prefer it to ' +
    'get_account_usage for more than a few domains. A domain the warehouse does not have is that item’s not_found.',
  scopes: ['usage:read'],
  kind: 'read',
  item: getAccountUsage.input,
  value: getAccountUsage.output,
});

export const listNamedQueries = toolContract({
  name: 'list_named_queries',
  title: 'List named queries',
  description:
    'List the queries run_named_query can run, with their parameters. There is no free-form SQL: only these.',
  scopes: ['queries:read'],
  kind: 'read',
  input: z.object({}),
  output: z.object({
    queries: z
      .array(
        z.object({
          name: z.string().describe('Query name for run_named_query'),
          description: z.string().describe('What the query answers'),
          params: z
            .array(
              z.object({
                name: z.string().describe('Parameter name'),
                type: z.enum(['string', 'integer', 'number', 'boolean', 'date']).describe('Parameter type'),
                description: z.string().describe('What the parameter means'),
                required: z.boolean().describe('Whether it must be given'),
                default: z
                  .union([z.string(), z.number(), z.boolean()])
                  .nullable()
                  .describe('Default, or null'),
              }),
            )
            .describe('Parameters of the query'),
        }),
      )
      .describe('Every named query'),
  }),
});

/** What a query name may be, as clients see it in run_named_query's input schema. */
export const queryName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _');

export const runNamedQuery = toolContract({
  name: 'run_named_query',
  title: 'Run named query',
  description:
    'Run one of the queries from list_named_queries with typed parameters. Read-only, with a row cap and a ' +
    'statement timeout; truncated is true when rows were cut at the cap.',
  scopes: ['queries:run'],
  kind: 'read',
  // The server lists each configured parameter with its own type (see the tool); any of them is one
  // of these values.
  input: z.object({
    name: queryName.describe('Query name from list_named_queries'),
    params: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .describe('Parameter values by name; list_named_queries says which each query takes'),
  }),
  output: z.object({
    name: z.string().describe('The query that ran'),
    columns: z.array(z.string()).describe('Column names, in order'),
    rows: z.array(z.record(z.string(), z.unknown())).describe('Result rows'),
    row_count: z.number().int().describe('Rows returned'),
    truncated: z.boolean().describe('True when more rows existed than the cap allows'),
  }),
});

/** The warehouse server's tools, keyed by name. */
export const warehouseContract = serverContract(
  listAccounts,
  getAccountUsage,
  getAccountsUsage,
  listNamedQueries,
  runNamedQuery,
);
