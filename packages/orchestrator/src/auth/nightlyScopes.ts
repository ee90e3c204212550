import type { ServerName } from '../report/types.ts';

/**
 * Every tool the nightly job calls, per server, with the scope that server's tool declares. The
 * one place to change when the job calls another tool: the scopes the job asks for in its tokens,
 * and the default development client of `tollgate token serve`, are derived from it.
 * `nightlyScopes.test.ts` fails when the job calls a tool missing here.
 */
export const NIGHTLY_TOOLS = {
  warehouse: { list_accounts: 'accounts:read', get_account_usage: 'usage:read' },
  crm: {
    get_account: 'accounts:read',
    upsert_account: 'accounts:upsert',
    upsert_lead: 'leads:upsert',
    create_task: 'tasks:create',
  },
  enrichment: { get_account_signals: 'signals:read' },
  outreach: { create_outreach_draft: 'drafts:create' },
} as const satisfies Record<ServerName, Record<string, string>>;

/** The scopes the nightly job needs from one server: exactly those of the tools it calls there. */
export function nightlyScopes(server: ServerName): string[] {
  return [...new Set(Object.values<string>(NIGHTLY_TOOLS[server]))];
}

/** Every scope the nightly job needs, across servers (for a client allowed on any resource). */
export function allNightlyScopes(): string[] {
  return [...new Set(Object.values(NIGHTLY_TOOLS).flatMap((tools) => Object.values<string>(tools)))];
}
