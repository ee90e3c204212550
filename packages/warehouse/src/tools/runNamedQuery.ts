import { defineTool, InvalidInputError } from '@tollgate/core';
import * as z from 'zod';
import { queryName } from '../config.ts';
import { parseParams, runQuery } from '../QueryRunner.ts';
import type { WarehouseContext } from '../WarehouseContext.ts';

export const runNamedQueryTool = (warehouse: WarehouseContext) =>
  defineTool({
    name: 'run_named_query',
    title: 'Run named query',
    description:
      'Run one of the queries from list_named_queries with typed parameters. Read-only, with a row cap and a ' +
      'statement timeout; truncated is true when rows were cut at the cap.',
    scopes: ['queries:run'],
    kind: 'read',
    input: z.object({
      name: queryName.describe('Query name from list_named_queries'),
      params: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
        .default({})
        .describe('Parameter values by name'),
    }),
    output: z.object({
      name: z.string().describe('The query that ran'),
      columns: z.array(z.string()).describe('Column names, in order'),
      rows: z.array(z.record(z.string(), z.unknown())).describe('Result rows'),
      row_count: z.number().int().describe('Rows returned'),
      truncated: z.boolean().describe('True when more rows existed than the cap allows'),
    }),
    handler: async ({ name, params }) => {
      // Own names only: `constructor` is a valid identifier and would find Object.prototype's.
      const { queries } = warehouse.config;
      const spec = Object.hasOwn(queries, name) ? queries[name] : undefined;
      if (spec === undefined) {
        throw new InvalidInputError(`There is no named query "${name}".`, {
          hint: `Use one of: ${Object.keys(warehouse.config.queries).join(', ')}.`,
          details: { issues: [{ path: 'name', message: 'unknown query' }] },
        });
      }
      const values = parseParams(name, spec, params);
      const result = await runQuery(warehouse.db, `queries.${name}`, spec, values, warehouse.limits);
      return { name, ...result, row_count: result.rows.length };
    },
  });
