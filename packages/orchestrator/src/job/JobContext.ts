import type { NightlyTools } from '../auth/nightlyScopes.ts';
import type { GuardedServer } from '../policies/GuardedServer.ts';
import type { ServerName } from '../report/types.ts';
import type { ScoringConfig } from '../scoring/scoringConfig.ts';

/** What every account's processing shares during one run. */
export interface JobContext {
  runKey: string;
  servers: NightlyServers;
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

/** Each server behind its policies, callable with the tools the job calls there. */
export type NightlyServers = { [S in ServerName]: GuardedServer<NightlyTools[S]> };

export type { WarehouseAccount } from '@tollgate/warehouse/contract';
