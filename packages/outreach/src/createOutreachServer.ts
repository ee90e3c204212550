import { createServer, type TollgateServer } from '@tollgate/core';
import { scopesOf } from '@tollgate/core/client';
import type { Database } from '@tollgate/core/store';
import type { LoggerOptions } from '@tollgate/core/telemetry';
import { outreachContract } from './contract.ts';
import { DraftStore } from './DraftStore.ts';
import { outreachMigrations } from './migrations.ts';
import { createOutreachDraftsTool, createOutreachDraftTool } from './tools/createOutreachDraft.ts';
import { getOutreachDraftTool } from './tools/getOutreachDraft.ts';
import { listOutreachDraftsTool } from './tools/listOutreachDrafts.ts';

export const OUTREACH_VERSION = '0.1.0';
/** Every scope the server's tools declare; the default grant. */
export const OUTREACH_SCOPES = scopesOf(outreachContract);

export interface OutreachServerOptions {
  db: Database;
  grantedScopes?: readonly string[];
  secrets?: readonly (string | undefined)[];
  principal?: string | undefined;
  log?: Omit<LoggerOptions, 'redactor'>;
  idempotency?: { leaseMs?: number; retentionMs?: number };
  /** A lead has at most one draft per sequence in any window this long; 0 turns that off. Default 7 days. */
  draftWindowMs?: number;
}

/** The outreach MCP server: email drafts in its own store, created at most once per idempotency key. */
export async function createOutreachServer(options: OutreachServerOptions): Promise<TollgateServer> {
  const drafts = new DraftStore(options.db, { windowMs: options.draftWindowMs });
  return createServer({
    name: 'outreach',
    version: OUTREACH_VERSION,
    store: options.db,
    migrations: outreachMigrations,
    tools: [
      createOutreachDraftTool(drafts),
      createOutreachDraftsTool(drafts),
      getOutreachDraftTool(drafts),
      listOutreachDraftsTool(drafts),
    ],
    grantedScopes: options.grantedScopes ?? OUTREACH_SCOPES,
    secrets: options.secrets ?? [],
    principal: options.principal,
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.idempotency === undefined ? {} : { idempotency: options.idempotency }),
    instructions:
      'Email drafts for leads. Nothing is ever sent. Keep the idempotency_key of a draft for its retries.',
  });
}
