import type { GuardedServer } from '../policies/GuardedServer.ts';
import type { ServerName } from '../report/types.ts';
import type { ScoringConfig } from '../scoring/scoringConfig.ts';

/** What every account's processing shares during one run. */
export interface JobContext {
  runKey: string;
  servers: Record<ServerName, GuardedServer>;
  scoring: ScoringConfig;
  /** Usage window for intent, in days. */
  usageDays: number;
  /** Accounts scoring at least this get an outreach draft. */
  draftMinScore: number;
  /** Set once a vendor says its quota is gone: stop calling it for the rest of the run. */
  stopped: { enrichment: string | null; crm: string | null };
  notices: string[];
  /** Called after each write step, so a killed run knows what it had done. */
  checkpoint(outcome: import('../report/types.ts').AccountOutcome): Promise<void>;
}

/** One account as the warehouse lists it. */
export interface WarehouseAccount {
  domain: string;
  name: string;
  segment: string;
  employee_count: number | null;
  industry: string | null;
  country: string | null;
  plan: string;
  arr: number;
  contact_email: string | null;
  contact_first_name: string | null;
  contact_last_name: string | null;
  contact_title: string | null;
}
