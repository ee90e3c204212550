import { defineTool } from '@tollgate/core';
import * as z from 'zod';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import {
  applyClear,
  clearInput,
  domainInput,
  emailInput,
  LEAD_CLEARABLE,
  type LeadUpsert,
  leadFields,
  leadSchema,
} from '../schemas.ts';

export const upsertLeadTool = (crm: CrmAdapter) =>
  defineTool({
    name: 'upsert_lead',
    title: 'Create or update lead',
    description:
      'Create the lead for an email address, or update it if it exists; the normalized email is the key, so ' +
      'repeating a call leaves one lead. Only the fields you send change; name a field in clear to empty it.',
    scopes: ['leads:upsert'],
    kind: 'upsert',
    openWorld: crm.kind !== 'builtin',
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
    handler: (input) => crm.upsertLead(applyClear(input) as LeadUpsert),
  });
