import { domainSchema, emailSchema, InvalidInputError } from '@tollgate/core';
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

/*
 * Fields a caller may set. An omitted field stays as it is; a field named in `clear` is emptied.
 * Clearing is a list rather than a `null` value so that every advertised input has one JSON type:
 * a nullable field must be spelled either `anyOf: [T, null]`, which LangChain's MCP adapter
 * flattens into a field with no type at all (so its client checks nothing), or `type: [T, "null"]`,
 * which single-type dialects (Gemini's function declarations) do not keep. A list of field names
 * survives every client, and says what it does.
 */
export const accountFields = {
  name: z.string().min(1).max(300).optional().describe('Company name'),
  industry: z.string().min(1).max(200).optional().describe('Industry'),
  employee_count: z
    .number()
    .int()
    .min(0)
    // The largest value an integer column (Postgres int4, HubSpot's number property) keeps exactly.
    .max(2_147_483_647)
    .optional()
    .describe('Number of employees'),
  annual_revenue: z.number().min(0).max(1e15).optional().describe('Annual revenue in USD, up to 10^15'),
  country: z.string().min(2).max(100).optional().describe('Headquarters country'),
  score: z.number().int().min(0).max(100).optional().describe('Lead score 0-100'),
  owner_id: z.string().min(1).max(100).optional().describe('Owning rep id from list_owners'),
};
export const ACCOUNT_CLEARABLE = [
  'name',
  'industry',
  'employee_count',
  'annual_revenue',
  'country',
  'score',
  'owner_id',
] as const satisfies readonly (keyof typeof accountFields)[];

export const leadFields = {
  first_name: z.string().min(1).max(200).optional().describe('First name'),
  last_name: z.string().min(1).max(200).optional().describe('Last name'),
  title: z.string().min(1).max(300).optional().describe('Job title'),
  status: z.enum(LEAD_STATUSES).optional().describe('Pipeline status; new leads default to "new"'),
  score: z.number().int().min(0).max(100).optional().describe('Lead score 0-100'),
};
export const LEAD_CLEARABLE = [
  'first_name',
  'last_name',
  'title',
  'score',
] as const satisfies readonly (keyof typeof leadFields)[];

/** The `clear` input of an upsert: names of fields to empty. */
export function clearInput<const F extends readonly [string, ...string[]]>(fields: F, what: string) {
  return z
    .array(z.enum(fields))
    .max(fields.length)
    .optional()
    .describe(
      `Fields to empty on the ${what} (one of: ${fields.join(', ')}); a field cannot be both sent and cleared`,
    );
}

/**
 * What an adapter writes: every field is absent (unchanged), a value, or null (emptied). The tools
 * turn `clear` into nulls, so adapters see one shape.
 */
export type AccountUpsert = { domain: string } & {
  [K in keyof typeof accountFields]?: z.output<(typeof accountFields)[K]> | null;
};
export type LeadUpsert = { email: string; domain: string } & {
  [K in keyof typeof leadFields]?: z.output<(typeof leadFields)[K]> | null;
};

/** The fields named in `clear` set to null; a field both sent and cleared is the caller's mistake. */
export function applyClear<T extends Record<string, unknown>>(
  input: T & { clear?: readonly string[] | undefined },
) {
  const { clear = [], ...fields } = input;
  const both = clear.filter((field) => fields[field] !== undefined);
  if (both.length > 0) {
    throw new InvalidInputError(`Fields both sent and cleared: ${both.join(', ')}.`, {
      hint: 'Send a value to set a field, or name it in clear to empty it, not both.',
      details: { issues: both.map((field) => ({ path: 'clear', message: `${field} is also sent` })) },
    });
  }
  return { ...fields, ...Object.fromEntries(clear.map((field) => [field, null])) } as Omit<T, 'clear'>;
}

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
