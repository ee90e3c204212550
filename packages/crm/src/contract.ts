/**
 * `@tollgate/crm/contract`: what the CRM server's tools are called, what they need and what they
 * answer, for clients to import (the orchestrator does) without loading any adapter. The tools in
 * `tools/` spread these and add their handlers.
 */
import { batchToolContract, serverContract, toolContract } from '@tollgate/core';
import * as z from 'zod';
import {
  ACCOUNT_CLEARABLE,
  accountFields,
  accountSchema,
  clearInput,
  domainInput,
  emailInput,
  LEAD_CLEARABLE,
  LEAD_STATUSES,
  leadFields,
  leadSchema,
  ownerSchema,
  TASK_KINDS,
  taskSchema,
} from './schemas.ts';

const cursor = () => z.string().min(1).max(1000).optional().describe('next_cursor from the previous page');
const limit = () => z.number().int().min(1).max(100).default(25).describe('Page size, 1-100 (default 25)');
const nextCursor = () =>
  z.string().nullable().describe('Cursor for the next page, or null when this is the last');

export const getAccount = toolContract({
  name: 'get_account',
  title: 'Get account',
  description:
    'Look up one CRM account by company domain. Answers account: null when the CRM has no such account (that is not an error).',
  scopes: ['accounts:read'],
  kind: 'read',
  input: z.object({ domain: domainInput() }),
  output: z.object({ account: accountSchema.nullable().describe('The account, or null when none exists') }),
});

export const upsertAccount = toolContract({
  name: 'upsert_account',
  title: 'Create or update account',
  description:
    'Create the account for a domain, or update it if it exists; the domain is the key, so repeating a call ' +
    'leaves one account. Only the fields you send change; name a field in clear to empty it.',
  scopes: ['accounts:upsert'],
  kind: 'upsert',
  input: z.object({
    domain: domainInput(),
    ...accountFields,
    clear: clearInput(ACCOUNT_CLEARABLE, 'account'),
  }),
  output: z.object({
    account: accountSchema.describe('The account as stored after the write'),
    created: z.boolean().describe('True if this call created the account, false if it updated it'),
  }),
});

export const upsertLead = toolContract({
  name: 'upsert_lead',
  title: 'Create or update lead',
  description:
    'Create the lead for an email address, or update it if it exists; the normalized email is the key, so ' +
    'repeating a call leaves one lead. Only the fields you send change; name a field in clear to empty it.',
  scopes: ['leads:upsert'],
  kind: 'upsert',
  input: z.object({
    email: emailInput(),
    domain: domainInput(),
    ...leadFields,
    clear: clearInput(LEAD_CLEARABLE, 'lead'),
  }),
  output: z.object({
    lead: leadSchema.describe('The lead as stored after the write'),
    created: z.boolean().describe('True if this call created the lead, false if it updated it'),
  }),
});

export const searchLeads = toolContract({
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
    cursor: cursor(),
    limit: limit(),
  }),
  output: z.object({
    leads: z.array(leadSchema).describe('This page of leads'),
    next_cursor: nextCursor(),
  }),
});

export const createTask = toolContract({
  name: 'create_task',
  title: 'Create task',
  description:
    'Create a task on an account, for example routing it to manual research when data is too thin to score. ' +
    'An account has at most one open task of each kind: while one is open, a call for that account and kind ' +
    'creates nothing and answers the open task with existing: true (a done task does not count). ' +
    'Requires an idempotency_key: repeating a call with the same key returns its first answer instead of a duplicate.',
  scopes: ['tasks:create'],
  kind: 'create',
  input: z.object({
    domain: domainInput(),
    kind: z.enum(TASK_KINDS).describe('manual_research, follow_up or data_review'),
    note: z.string().min(1).max(4000).describe('What to do and why, for the person who picks the task up'),
  }),
  output: z.object({
    task: taskSchema.describe('The created task, or the open task of this kind the account already had'),
    existing: z
      .boolean()
      .describe(
        'True when nothing was created because the account already had an open task of this kind: `task` is that task',
      ),
  }),
});

export const listTasks = toolContract({
  name: 'list_tasks',
  title: 'List tasks',
  description:
    'List tasks, oldest first, one page at a time, optionally for one account or of one kind. Pass next_cursor ' +
    'back as cursor (with the same filter) for the next page; next_cursor is null on the last page.',
  scopes: ['tasks:read'],
  kind: 'read',
  input: z.object({
    filter: z
      .object({
        domain: domainInput().optional(),
        kind: z.enum(TASK_KINDS).optional().describe('Only tasks of this kind'),
      })
      .default({})
      .describe('Conditions every returned task meets; omit for all tasks'),
    cursor: cursor(),
    limit: limit(),
  }),
  output: z.object({
    tasks: z.array(taskSchema).describe('This page of tasks'),
    next_cursor: nextCursor(),
  }),
});

export const listOwners = toolContract({
  name: 'list_owners',
  title: 'List owners',
  description: 'List the sales reps who can own accounts; use their id as owner_id in upsert_account.',
  scopes: ['owners:read'],
  kind: 'read',
  input: z.object({}),
  output: z.object({ owners: z.array(ownerSchema).describe('Every owner') }),
});

export const getAccounts = batchToolContract({
  name: 'get_accounts',
  title: 'Get accounts',
  description:
    'Look up to 100 CRM accounts by company domain in one call; prefer it to get_account for more than a few ' +
    'domains. Each result is the account, or account: null when the CRM has none, in input order.',
  scopes: ['accounts:read'],
  kind: 'read',
  item: getAccount.input,
  value: getAccount.output,
});

export const upsertAccounts = batchToolContract({
  name: 'upsert_accounts',
  title: 'Create or update accounts',
  description:
    'Create or update up to 100 accounts in one call, each keyed by its domain as upsert_account is; prefer it ' +
    'to upsert_account for more than a few. Each item is answered on its own: one refused item does not stop the others.',
  scopes: ['accounts:upsert'],
  kind: 'upsert',
  item: upsertAccount.input,
  value: upsertAccount.output,
});

export const upsertLeads = batchToolContract({
  name: 'upsert_leads',
  title: 'Create or update leads',
  description:
    'Create or update up to 100 leads in one call, each keyed by its email as upsert_lead is; prefer it to ' +
    'upsert_lead for more than a few. Each item is answered on its own.',
  scopes: ['leads:upsert'],
  kind: 'upsert',
  item: upsertLead.input,
  value: upsertLead.output,
});

export const createTasks = batchToolContract({
  name: 'create_tasks',
  title: 'Create tasks',
  description:
    'Create up to 100 tasks in one call, with create_task’s rules for each (at most one open task of a kind per ' +
    'account); prefer it to create_task for more than a few. Each item carries its own idempotency_key: a repeated ' +
    'item returns its first answer, and only items that failed retryably need sending again.',
  scopes: ['tasks:create'],
  kind: 'create',
  item: createTask.input,
  value: createTask.output,
});

/** The CRM server's tools, keyed by name. */
export const crmContract = serverContract(
  getAccount,
  upsertAccount,
  upsertLead,
  searchLeads,
  createTask,
  listTasks,
  listOwners,
  getAccounts,
  upsertAccounts,
  upsertLeads,
  createTasks,
);
