import { defineTool } from '@tollgate/core';
import * as z from 'zod';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import {
  ACCOUNT_CLEARABLE,
  type AccountUpsert,
  accountFields,
  accountSchema,
  applyClear,
  clearInput,
  domainInput,
} from '../schemas.ts';

export const upsertAccountTool = (crm: CrmAdapter) =>
  defineTool({
    name: 'upsert_account',
    title: 'Create or update account',
    description:
      'Create the account for a domain, or update it if it exists; the domain is the key, so repeating a call ' +
      'leaves one account. Only the fields you send change; name a field in clear to empty it.',
    scopes: ['accounts:upsert'],
    kind: 'upsert',
    openWorld: crm.kind !== 'builtin',
    input: z.object({
      domain: domainInput(),
      ...accountFields,
      clear: clearInput(ACCOUNT_CLEARABLE, 'account'),
    }),
    output: z.object({
      account: accountSchema.describe('The account as stored after the write'),
      created: z.boolean().describe('True if this call created the account, false if it updated it'),
    }),
    handler: (input) => crm.upsertAccount(applyClear(input) as AccountUpsert),
  });
