import * as z from 'zod';
import { type RunReport, SERVER_NAMES, STEP_NAMES } from './types.ts';

const count = z.number().int().min(0);
const serverName = z.enum(SERVER_NAMES);
const stepName = z.enum(STEP_NAMES);

const stepRecord = z.object({
  status: z.enum(['ok', 'replayed', 'skipped', 'failed']),
  attempts: count,
  error_code: z.string().nullable().exactOptional(),
  message: z.string().nullable().exactOptional(),
});

/** One account of a run report. */
export const accountOutcomeSchema = z.object({
  domain: z.string(),
  name: z.string().nullable(),
  status: z.enum(['done', 'routed', 'skipped', 'pending']),
  action: z.enum(['draft', 'research_task', 'none']),
  degraded: z.boolean(),
  degraded_reason: z.string().nullable(),
  fit: z.number().nullable(),
  intent: z.number().nullable(),
  score: z.number().nullable(),
  band: z.enum(['hot', 'warm', 'nurture', 'cold']).nullable(),
  steps: z.partialRecord(stepName, stepRecord),
});

const serverCallStats = z.object({ calls: count, retries: count, errors: z.record(z.string(), count) });

/** The summary of a run report. */
export const runSummarySchema = z.object({
  run_key: z.string().min(1),
  started_at: z.string(),
  finished_at: z.string(),
  duration_ms: z.number().min(0),
  status: z.enum(['completed', 'interrupted', 'incomplete']),
  accounts: z.object({
    total: count,
    processed: count,
    upserted: count,
    drafted: count,
    routed: count,
    degraded: count,
    skipped: count,
    pending: count,
    resumed: count,
  }),
  retries: z.object({ used: count, budget: count }),
  calls: z.partialRecord(serverName, serverCallStats),
  notices: z.array(z.string()),
});

/** The on-disk form of a run report, mirroring `report/types.ts` (a type test keeps the two equal). */
export const runReportSchema = z.object({
  summary: runSummarySchema,
  accounts: z.array(accountOutcomeSchema),
}) satisfies z.ZodType<RunReport>;
