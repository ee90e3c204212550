import { defineTool, type ToolContext } from '@tollgate/core';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { createTask } from '../contract.ts';

/**
 * The key a task carries upstream. The gate scopes keys to the caller, so the upstream copy is scoped
 * the same way: two callers that chose the same key must never recover each other's task.
 */
export const upstreamKey = (principal: string, key: string) => `${principal}:${key}`;

/**
 * How a task an earlier attempt made is found again by its key: only adapters whose tasks live
 * upstream can; a local store commits the task with its key, so there is nothing to recover.
 * The earlier attempt made the task itself: an existing open task would carry another key.
 */
export function taskRecovery(crm: CrmAdapter) {
  const findTaskByKey = crm.findTaskByKey?.bind(crm);
  if (findTaskByKey === undefined) return undefined;
  return async ({ idempotency_key }: { idempotency_key: string }, ctx: ToolContext) => {
    const task = await findTaskByKey(upstreamKey(ctx.principal.id, idempotency_key));
    return task === undefined ? undefined : { task, existing: false };
  };
}

export const createTaskTool = (crm: CrmAdapter) =>
  defineTool({
    ...createTask,
    openWorld: crm.kind !== 'builtin',
    handler: (input, ctx) =>
      crm.createTask(
        { ...input, idempotency_key: upstreamKey(ctx.principal.id, input.idempotency_key) },
        ctx.db,
      ),
    recover: taskRecovery(crm),
  });
