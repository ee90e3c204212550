import { defineTool } from '@tollgate/core';
import * as z from 'zod';
import type { WarehouseContext } from '../WarehouseContext.ts';

export const listNamedQueriesTool = (warehouse: WarehouseContext) =>
  defineTool({
    name: 'list_named_queries',
    title: 'List named queries',
    description:
      'List the queries run_named_query can run, with their parameters. There is no free-form SQL: only these.',
    scopes: ['queries:read'],
    kind: 'read',
    input: z.object({}),
    output: z.object({
      queries: z
        .array(
          z.object({
            name: z.string().describe('Query name for run_named_query'),
            description: z.string().describe('What the query answers'),
            params: z
              .array(
                z.object({
                  name: z.string().describe('Parameter name'),
                  type: z.enum(['string', 'integer', 'number', 'boolean', 'date']).describe('Parameter type'),
                  description: z.string().describe('What the parameter means'),
                  required: z.boolean().describe('Whether it must be given'),
                  default: z
                    .union([z.string(), z.number(), z.boolean()])
                    .nullable()
                    .describe('Default, or null'),
                }),
              )
              .describe('Parameters of the query'),
          }),
        )
        .describe('Every named query'),
    }),
    handler: () => ({
      queries: Object.entries(warehouse.config.queries).map(([name, spec]) => ({
        name,
        description: spec.description,
        params: Object.entries(spec.params).map(([param, p]) => ({
          name: param,
          type: p.type,
          description: p.description,
          required: p.default === undefined && p.required !== false,
          default: p.default ?? null,
        })),
      })),
    }),
  });
