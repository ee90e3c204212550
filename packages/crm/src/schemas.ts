import { domainSchema, emailSchema } from '@tollgate/core';
import * as z from 'zod';

export const domainInput = () =>
  domainSchema(
    'Company domain such as acme.com; a URL or leading www. is normalized away and an international name ' +
      'is stored in its xn-- form. Not a public suffix (co.uk), an IP or an email address',
  );
export const emailInput = () =>
  emailSchema('Lead email address; trimmed and lower-cased, an international domain in its xn-- form');

export const LEAD_STATUSES = ['new', 'working', 'qualified', 'disqualified'] as const;
export const TASK_KINDS = ['manual_research', 'follow_up', 'data_review'] as const;

const timestamp = (what: string) => z.string().describe(`${what}, ISO-8601`);

export const accountSchema = z.object({
  domain: z.string().describe('Normalized company domain; the stable id of the account'),
  name: z.string().nullable().describe('Company name, or null if unknown'),
  industry: z.string().nullable().describe('Industry, or null if unknown'),
  employee_count: z.number().int().nullable().describe('Number of employees, or null if unknown'),
  annual_revenue: z.number().nullable().describe('Annual revenue in USD, or null if unknown'),
  country: z.string().nullable().describe('Headquarters country, or null if unknown'),
  score: z.number().int().min(0).max(100).nullable().describe('Lead score 0-100, or null if not scored'),
  owner_id: z.string().nullable().describe('Id of the owning rep (see list_owners), or null'),
  created_at: timestamp('When the account was created'),
  updated_at: timestamp('When the account was last changed'),
});
export type Account = z.infer<typeof accountSchema>;

export const leadSchema = z.object({
  email: z.string().describe('Normalized email; the stable id of the lead'),
  domain: z.string().describe('Normalized domain of the lead’s company'),
  first_name: z.string().nullable().describe('First name, or null'),
  last_name: z.string().nullable().describe('Last name, or null'),
  title: z.string().nullable().describe('Job title, or null'),
  status: z.enum(LEAD_STATUSES).describe('Pipeline status'),
  score: z.number().int().min(0).max(100).nullable().describe('Lead score 0-100, or null'),
  created_at: timestamp('When the lead was created'),
  updated_at: timestamp('When the lead was last changed'),
});
export type Lead = z.infer<typeof leadSchema>;

export const taskSchema = z.object({
  id: z.string().describe('Task id'),
  domain: z.string().describe('Normalized domain of the account the task is about'),
  kind: z.enum(TASK_KINDS).describe('What kind of work the task asks for'),
  note: z.string().describe('What to do and why'),
  status: z.enum(['open', 'done']).describe('Task status'),
  created_at: timestamp('When the task was created'),
});
export type Task = z.infer<typeof taskSchema>;

export const ownerSchema = z.object({
  id: z.string().describe('Owner id, used as owner_id on accounts'),
  name: z.string().describe('Full name'),
  email: z.string().describe('Email address'),
  territory: z.string().nullable().describe('Sales territory, or null'),
});
export type Owner = z.infer<typeof ownerSchema>;

/** Fields of an account a caller may set; omitted fields stay as they are, null clears. */
export const accountFields = {
  name: z.string().min(1).max(300).nullable().optional().describe('Company name; null clears it'),
  industry: z.string().min(1).max(200).nullable().optional().describe('Industry; null clears it'),
  employee_count: z
    .number()
    .int()
    .min(0)
    // The largest value an integer column (Postgres int4, HubSpot's number property) keeps exactly.
    .max(2_147_483_647)
    .nullable()
    .optional()
    .describe('Number of employees; null clears it'),
  annual_revenue: z
    .number()
    .min(0)
    .max(1e15)
    .nullable()
    .optional()
    .describe('Annual revenue in USD, up to 10^15; null clears it'),
  country: z.string().min(2).max(100).nullable().optional().describe('Headquarters country; null clears it'),
  score: z.number().int().min(0).max(100).nullable().optional().describe('Lead score 0-100; null clears it'),
  owner_id: z
    .string()
    .min(1)
    .max(100)
    .nullable()
    .optional()
    .describe('Owning rep id from list_owners; null unassigns'),
};

export const leadFields = {
  first_name: z.string().min(1).max(200).nullable().optional().describe('First name; null clears it'),
  last_name: z.string().min(1).max(200).nullable().optional().describe('Last name; null clears it'),
  title: z.string().min(1).max(300).nullable().optional().describe('Job title; null clears it'),
  status: z.enum(LEAD_STATUSES).optional().describe('Pipeline status; new leads default to "new"'),
  score: z.number().int().min(0).max(100).nullable().optional().describe('Lead score 0-100; null clears it'),
};

export type AccountUpsert = { domain: string } & {
  [K in keyof typeof accountFields]?: z.output<(typeof accountFields)[K]>;
};
export type LeadUpsert = { email: string; domain: string } & {
  [K in keyof typeof leadFields]?: z.output<(typeof leadFields)[K]>;
};

export interface LeadFilter {
  domain?: string | undefined;
  status?: (typeof LEAD_STATUSES)[number] | undefined;
  min_score?: number | undefined;
}

export interface TaskFilter {
  domain?: string | undefined;
  kind?: (typeof TASK_KINDS)[number] | undefined;
}

export interface TaskInput {
  idempotency_key: string;
  domain: string;
  kind: (typeof TASK_KINDS)[number];
  note: string;
}
