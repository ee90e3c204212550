import { scopesOf } from '@tollgate/core/client';
import { crmContract } from '@tollgate/crm/contract';
import { enrichmentContract } from '@tollgate/enrichment/contract';
import { outreachContract } from '@tollgate/outreach/contract';
import { warehouseContract } from '@tollgate/warehouse/contract';
import type { ServerName } from '../report/types.ts';

/**
 * Every tool the nightly job calls, per server: the servers' own contracts, narrowed to what the
 * job uses. The job's calls are typed by it (a tool missing here does not compile), and the scopes
 * the job asks for in its tokens, and the default development client of `tollgate token serve`,
 * are those the servers' tools declare.
 */
export const NIGHTLY_TOOLS = {
  warehouse: {
    list_accounts: warehouseContract.list_accounts,
    get_accounts_usage: warehouseContract.get_accounts_usage,
  },
  crm: {
    get_accounts: crmContract.get_accounts,
    upsert_accounts: crmContract.upsert_accounts,
    upsert_leads: crmContract.upsert_leads,
    create_tasks: crmContract.create_tasks,
  },
  enrichment: { get_accounts_signals: enrichmentContract.get_accounts_signals },
  outreach: { create_outreach_drafts: outreachContract.create_outreach_drafts },
} as const satisfies Record<ServerName, object>;

/** The tools the job calls on each server. */
export type NightlyTools = typeof NIGHTLY_TOOLS;

/** The scopes the nightly job needs from one server: exactly those of the tools it calls there. */
export function nightlyScopes(server: ServerName): string[] {
  return scopesOf(NIGHTLY_TOOLS[server]);
}

/** Every scope the nightly job needs, across servers (for a client allowed on any resource). */
export function allNightlyScopes(): string[] {
  return [...new Set(Object.values(NIGHTLY_TOOLS).flatMap((tools) => scopesOf(tools)))];
}
