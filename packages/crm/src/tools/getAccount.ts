import { defineTool } from '@tollgate/core';
import * as z from 'zod';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { accountSchema, domainInput } from '../schemas.ts';

export const getAccountTool = (crm: CrmAdapter) =>
  defineTool({
    name: 'get_account',
    title: 'Get account',
    description:
      'Look up one CRM account by company domain. Answers account: null when the CRM has no such account (that is not an error).',
    scopes: ['accounts:read'],
    kind: 'read',
    input: z.object({ domain: domainInput() }),
    output: z.object({ account: accountSchema.nullable().describe('The account, or null when none exists') }),
    handler: async ({ domain }) => ({ account: await crm.getAccount(domain) }),
  });
