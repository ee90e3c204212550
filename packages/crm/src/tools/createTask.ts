import { defineTool, isToolError, type ToolContext, type ToolError } from '@tollgate/core';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { createTask } from '../contract.ts';
import type { Task } from '../schemas.ts';

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

/**
 * The batch form of {@link taskRecovery}: the tasks of all the recovering items, found in one lookup
 * (findTasksByKeys), one answer per item. An adapter with only findTaskByKey is asked key by key,
 * and a classified failure of one key's lookup is that item's answer.
 */
export function tasksRecovery(crm: CrmAdapter) {
  const findTasksByKeys = crm.findTasksByKeys?.bind(crm);
  const findTaskByKey = crm.findTaskByKey?.bind(crm);
  if (findTasksByKeys === undefined && findTaskByKey === undefined) return undefined;
  const find =
    findTasksByKeys ??
    (async (keys: readonly string[]) => {
      const found: (Task | ToolError | undefined)[] = [];
      for (const key of keys) {
        try {
          found.push(await (findTaskByKey as NonNullable<typeof findTaskByKey>)(key));
        } catch (error) {
          if (!isToolError(error)) throw error;
          found.push(error);
        }
      }
      return found;
    });
  return async (items: readonly { idempotency_key: string }[], ctx: ToolContext) => {
    const found = await find(items.map((item) => upstreamKey(ctx.principal.id, item.idempotency_key)));
    return found.map((task) => (task === undefined || isToolError(task) ? task : { task, existing: false }));
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
