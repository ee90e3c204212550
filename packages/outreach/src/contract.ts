/**
 * `@tollgate/outreach/contract`: the outreach server's tools as clients see them (names, scopes,
 * input and output), importable without the draft store.
 */
import { batchToolContract, serverContract, toolContract } from '@tollgate/core';
import * as z from 'zod';
import { draftFilter, draftInput, draftSchema } from './schemas.ts';

/** The key clause every create tool's description ends with. */
export const DRAFT_KEY_RULE =
  'Requires an idempotency_key: repeating a call with the same key returns its first answer instead of a duplicate.';

export const createOutreachDraft = toolContract({
  name: 'create_outreach_draft',
  title: 'Create outreach draft',
  // The server lists a description naming its configured one-draft window (see the tool).
  description: `Save an email draft for a lead. Nothing is sent. ${DRAFT_KEY_RULE}`,
  scopes: ['drafts:create'],
  kind: 'create',
  input: z.object(draftInput),
  output: z.object({
    draft: draftSchema.describe(
      'The saved draft, or the lead’s draft in this sequence that was already there',
    ),
    existing: z
      .boolean()
      .describe(
        'True when nothing was saved because the lead already had a recent draft in this sequence: `draft` is that draft',
      ),
  }),
});

export const createOutreachDrafts = batchToolContract({
  name: 'create_outreach_drafts',
  title: 'Create outreach drafts',
  // The server lists a description naming its configured one-draft window (see the tool).
  description:
    'Save up to 100 email drafts in one call, with create_outreach_draft’s rules for each; prefer it to ' +
    'create_outreach_draft for more than a few. Nothing is sent. Each item carries its own idempotency_key: a ' +
    'repeated item returns its first answer, and only items that failed retryably need sending again.',
  scopes: ['drafts:create'],
  kind: 'create',
  item: createOutreachDraft.input,
  value: createOutreachDraft.output,
});

export const getOutreachDraft = toolContract({
  name: 'get_outreach_draft',
  title: 'Get outreach draft',
  description: 'Read one draft by its id.',
  scopes: ['drafts:read'],
  kind: 'read',
  input: z.object({ id: z.uuid().describe('Draft id, as returned by create_outreach_draft') }),
  output: z.object({ draft: draftSchema.describe('The draft') }),
});

export const listOutreachDrafts = toolContract({
  name: 'list_outreach_drafts',
  title: 'List outreach drafts',
  description:
    'List drafts, oldest first, one page at a time, optionally for one company, lead or sequence. Pass ' +
    'next_cursor back as cursor (with the same filter) for the next page; it is null on the last page.',
  scopes: ['drafts:read'],
  kind: 'read',
  input: z.object({
    filter: draftFilter,
    cursor: z.string().min(1).max(1000).optional().describe('next_cursor from the previous page'),
    limit: z.number().int().min(1).max(100).default(25).describe('Page size, 1-100 (default 25)'),
  }),
  output: z.object({
    drafts: z.array(draftSchema).describe('This page of drafts'),
    next_cursor: z.string().nullable().describe('Cursor for the next page, or null when this is the last'),
  }),
});

/** The outreach server's tools, keyed by name. */
export const outreachContract = serverContract(
  createOutreachDraft,
  createOutreachDrafts,
  getOutreachDraft,
  listOutreachDrafts,
);
