import { defineBatchTool, isToolError, type ToolError } from '@tollgate/core';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { createTasks, getAccounts, upsertAccounts, upsertLeads } from '../contract.ts';
import { type AccountUpsert, applyClear, type LeadUpsert } from '../schemas.ts';
import { tasksRecovery, upstreamKey } from './createTask.ts';

/** An item's `clear` turned into nulls, or that item's own invalid_input. */
function cleared<T extends Record<string, unknown>>(input: T & { clear?: readonly string[] | undefined }) {
  try {
    return applyClear(input);
  } catch (error) {
    if (isToolError(error)) return error;
    throw error;
  }
}

/**
 * Runs `run` on the items that passed `prepare` and answers every item in order: its prepared
 * value's result, or the error `prepare` gave it.
 */
async function onPrepared<I, P, R>(
  items: readonly I[],
  prepare: (item: I) => P | ToolError,
  run: (prepared: P[]) => Promise<readonly R[]>,
) {
  const prepared = items.map(prepare);
  const ok = prepared.filter((item): item is P => !isToolError(item));
  const results = await run(ok);
  let next = 0;
  return prepared.map((item) => (isToolError(item) ? item : (results[next++] as R)));
}

export const getAccountsTool = (crm: CrmAdapter) =>
  defineBatchTool({
    ...getAccounts,
    openWorld: crm.kind !== 'builtin',
    handler: async (items) =>
      (await crm.getAccounts(items.map((item) => item.domain))).map((account) => ({ account })),
  });

export const upsertAccountsTool = (crm: CrmAdapter) =>
  defineBatchTool({
    ...upsertAccounts,
    openWorld: crm.kind !== 'builtin',
    handler: (items) =>
      onPrepared(
        items,
        (item) => cleared(item) as AccountUpsert,
        (inputs) => crm.upsertAccounts(inputs),
      ),
  });

export const upsertLeadsTool = (crm: CrmAdapter) =>
  defineBatchTool({
    ...upsertLeads,
    openWorld: crm.kind !== 'builtin',
    handler: (items) =>
      onPrepared(
        items,
        (item) => cleared(item) as LeadUpsert,
        (inputs) => crm.upsertLeads(inputs),
      ),
  });

export const createTasksTool = (crm: CrmAdapter) =>
  defineBatchTool({
    ...createTasks,
    openWorld: crm.kind !== 'builtin',
    handler: (items, ctx) =>
      crm.createTasks(
        items.map((item) => ({
          ...item,
          idempotency_key: upstreamKey(ctx.principal.id, item.idempotency_key),
        })),
        ctx.db,
      ),
    recover: tasksRecovery(crm),
  });
