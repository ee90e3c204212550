import { defineTool } from '@tollgate/core';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { createTask } from '../contract.ts';

/**
 * The key a task carries upstream. The gate scopes keys to the caller, so the upstream copy is scoped
 * the same way: two callers that chose the same key must never recover each other's task.
 */
export const upstreamKey = (principal: string, key: string) => `${principal}:${key}`;

export const createTaskTool = (crm: CrmAdapter) => {
  const findTaskByKey = crm.findTaskByKey?.bind(crm);
  return defineTool({
    ...createTask,
    openWorld: crm.kind !== 'builtin',
    handler: (input, ctx) =>
      crm.createTask(
        { ...input, idempotency_key: upstreamKey(ctx.principal.id, input.idempotency_key) },
        ctx.db,
      ),
    // Only adapters whose tasks live upstream can find an earlier attempt's task; a local store
    // commits the task with its key, so there is nothing to recover.
    recover:
      findTaskByKey === undefined
        ? undefined
        : async ({ idempotency_key }, ctx) => {
            const task = await findTaskByKey(upstreamKey(ctx.principal.id, idempotency_key));
            // The earlier attempt made this task itself: an existing open task would carry another key.
            return task === undefined ? undefined : { task, existing: false };
          },
  });
};
