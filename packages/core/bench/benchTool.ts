import * as z from 'zod';

/** The one read tool every gate and HTTP benchmark side serves: same schemas, same handler. */
export const BENCH_TOOL = 'get_account';
export const benchInput = z.object({ domain: z.string().min(3).describe('Company domain, e.g. acme.com') });
export const benchOutput = z.object({
  domain: z.string().describe('Normalized domain'),
  name: z.string().nullable().describe('Company name'),
  employees: z.number().int().nullable().describe('Employee count'),
  industry: z.string().nullable().describe('Industry'),
});
export const benchHandler = async ({ domain }: { domain: string }) => ({
  domain,
  name: 'Acme Corp',
  employees: 420,
  industry: 'Software',
});
