import { defineTool } from '@tollgate/core';
import * as z from 'zod';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { ownerSchema } from '../schemas.ts';

export const listOwnersTool = (crm: CrmAdapter) =>
  defineTool({
    name: 'list_owners',
    title: 'List owners',
    description: 'List the sales reps who can own accounts; use their id as owner_id in upsert_account.',
    scopes: ['owners:read'],
    kind: 'read',
    input: z.object({}),
    output: z.object({ owners: z.array(ownerSchema).describe('Every owner') }),
    handler: async () => ({ owners: await crm.listOwners() }),
  });
