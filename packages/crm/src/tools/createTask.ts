import { defineTool } from '@tollgate/core';
import * as z from 'zod';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { domainInput, TASK_KINDS, taskSchema } from '../schemas.ts';

/**
 * The key a task carries upstream. The gate scopes keys to the caller, so the upstream copy is scoped
 * the same way: two callers that chose the same key must never recover each other's task.
 */
const upstreamKey = (principal: string, key: string) => `${principal}:${key}`;

export const createTaskTool = (crm: CrmAdapter) => {
  const findTaskByKey = crm.findTaskByKey?.bind(crm);
  return defineTool({
    name: 'create_task',
    title: 'Create task',
    description:
      'Create a task on an account, for example routing it to manual research when data is too thin to score. ' +
      'An account has at most one open task of each kind: while one is open, a call for that account and kind ' +
      'creates nothing and answers the open task with existing: true (a done task does not count). ' +
      'Requires an idempotency_key: repeating a call with the same key returns its first answer instead of a duplicate.',
    scopes: ['tasks:create'],
    kind: 'create',
    openWorld: crm.kind !== 'builtin',
    input: z.object({
      domain: domainInput(),
      kind: z.enum(TASK_KINDS).describe('manual_research, follow_up or data_review'),
      note: z.string().min(1).max(4000).describe('What to do and why, for the person who picks the task up'),
    }),
    output: z.object({
      task: taskSchema.describe('The created task, or the open task of this kind the account already had'),
      existing: z
        .boolean()
        .describe(
          'True when nothing was created because the account already had an open task of this kind: `task` is that task',
        ),
    }),
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
