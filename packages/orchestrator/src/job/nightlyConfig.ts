import { readJsonSettingsFile } from '@tollgate/core/settings';
import * as z from 'zod';
import type { ServerName } from '../report/types.ts';

const guard = z.strictObject({
  concurrency: z.number().int().min(1).max(256),
  ratePerSecond: z.number().positive(),
  burst: z.number().int().min(1).optional(),
  maxAttempts: z.number().int().min(1).max(20),
  backoffBaseMs: z.number().int().min(0),
  backoffCapMs: z.number().int().min(0),
  breakerThreshold: z.number().int().min(1),
  breakerHalfOpenAfterMs: z.number().int().min(0),
  callTimeoutMs: z.number().int().min(100),
});

export const nightlyConfigSchema = z.strictObject({
  /** Accounts in flight at once across the whole job. */
  concurrency: z.number().int().min(1).max(512),
  pageSize: z.number().int().min(1).max(500),
  segment: z.string().min(1),
  usageDays: z.number().int().min(1).max(365),
  /** Accounts scoring at least this get an outreach draft (when a lead is known). */
  draftMinScore: z.number().int().min(0).max(100),
  /**
   * Retries allowed across the run: `minRetries` plus `ratio` × first attempts so far, so the
   * budget scales with the run while capping the extra load a failing vendor sees.
   */
  retryBudget: z.strictObject({
    ratio: z.number().min(0).max(10),
    minRetries: z.number().int().min(0),
  }),
  servers: z.strictObject({ warehouse: guard, crm: guard, enrichment: guard, outreach: guard }),
});
export type NightlyConfig = z.infer<typeof nightlyConfigSchema>;
export type GuardConfig = NightlyConfig['servers'][ServerName];

export const DEFAULT_NIGHTLY_CONFIG_PATH = new URL('../../config/nightly.json', import.meta.url);

/** The demo's pacing (`tollgate demo`): the simulated vendors' limits, shipped with the package. */
export const DEMO_NIGHTLY_CONFIG_PATH = new URL('../../config/demo.json', import.meta.url);

/** Reads the job's pacing and resilience settings; the shipped defaults when no path is given. */
export function loadNightlyConfig(path: string | URL = DEFAULT_NIGHTLY_CONFIG_PATH): NightlyConfig {
  return readJsonSettingsFile(path, nightlyConfigSchema, 'nightly config');
}
