import { defineTool, keysetPage } from '@tollgate/core';
import * as z from 'zod';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import { domainInput, TASK_KINDS, taskSchema } from '../schemas.ts';

export const listTasksTool = (crm: CrmAdapter) =>
  defineTool({
    name: 'list_tasks',
    title: 'List tasks',
    description:
      'List tasks, oldest first, one page at a time, optionally for one account or of one kind. Pass next_cursor ' +
      'back as cursor (with the same filter) for the next page; next_cursor is null on the last page.',
    scopes: ['tasks:read'],
    kind: 'read',
    input: z.object({
      filter: z
        .object({
          domain: domainInput().optional(),
          kind: z.enum(TASK_KINDS).optional().describe('Only tasks of this kind'),
        })
        .default({})
        .describe('Conditions every returned task meets; omit for all tasks'),
      cursor: z.string().min(1).max(1000).optional().describe('next_cursor from the previous page'),
      limit: z.number().int().min(1).max(100).default(25).describe('Page size, 1-100 (default 25)'),
    }),
    output: z.object({
      tasks: z.array(taskSchema).describe('This page of tasks'),
      next_cursor: z.string().nullable().describe('Cursor for the next page, or null when this is the last'),
    }),
    handler: async ({ filter, cursor, limit }) => {
      const { rows, next_cursor } = await keysetPage({
        tool: 'list_tasks',
        filter,
        cursor,
        limit,
        fetch: (after, count) => crm.listTasks(filter, after, count),
        keyOf: (task) => task.id,
      });
      return { tasks: rows, next_cursor };
    },
  });
