import { domainSchema, emailSchema } from '@tollgate/core';
import * as z from 'zod';

export const draftSchema = z.object({
  id: z.string().describe('Draft id'),
  lead_email: z.string().describe('Normalized email of the lead the draft is for'),
  domain: z.string().describe('Normalized domain of the lead’s company'),
  subject: z.string().describe('Email subject'),
  body: z.string().describe('Email body, plain text'),
  sequence: z.string().nullable().describe('The sequence the draft belongs to, or null'),
  status: z.literal('draft').describe('Always "draft": this server never sends'),
  created_at: z.string().describe('When the draft was created, ISO-8601'),
});
export type Draft = z.infer<typeof draftSchema>;

export const draftInput = {
  lead_email: emailSchema('Email of the lead the draft is for; trimmed and lower-cased'),
  domain: domainSchema('Company domain of the lead, such as acme.com'),
  subject: z.string().min(1).max(200).describe('Email subject, 1-200 characters'),
  body: z.string().min(1).max(10_000).describe('Email body, plain text, up to 10,000 characters'),
  sequence: z.string().min(1).max(100).optional().describe('Name of the sequence the draft belongs to'),
};

export const draftFilter = z
  .object({
    domain: domainSchema('Only drafts for this company domain').optional(),
    lead_email: emailSchema('Only drafts for this lead').optional(),
    sequence: z.string().min(1).max(100).optional().describe('Only drafts in this sequence'),
  })
  .default({})
  .describe('Conditions every returned draft meets; omit for all drafts');
export type DraftFilter = z.output<typeof draftFilter>;
