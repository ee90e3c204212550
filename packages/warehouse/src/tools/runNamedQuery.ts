import { defineTool, InvalidInputError } from '@tollgate/core';
import * as z from 'zod';
import { type ParamSpec, type QuerySpec, queryName } from '../config.ts';
import { runNamedQuery } from '../contract.ts';
import { parseParams, runQuery } from '../QueryRunner.ts';
import type { WarehouseContext } from '../WarehouseContext.ts';

export const runNamedQueryTool = (warehouse: WarehouseContext) =>
  defineTool({
    ...runNamedQuery,
    input: z.object({
      name: queryName.describe('Query name from list_named_queries'),
      params: paramsInput(warehouse.config.queries)
        .default({})
        .describe('Parameter values by name; list_named_queries says which each query takes'),
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

/**
 * The `params` object as clients see it: every parameter any configured query declares, with its
 * own type, rather than a free-form map of string | number | boolean. A map's value type is an
 * `anyOf`, which LangChain's adapter empties and Gemini's conversion drops with the map itself, so
 * the model would be told nothing; named properties survive every client. Which parameters a given
 * query takes, and which are required, is checked per query by parseParams.
 */
function paramsInput(queries: Record<string, QuerySpec>) {
  const byName = new Map<string, { spec: ParamSpec; queries: string[] }>();
  for (const [query, spec] of Object.entries(queries)) {
    for (const [param, paramSpec] of Object.entries(spec.params)) {
      const seen = byName.get(param);
      if (seen === undefined) byName.set(param, { spec: paramSpec, queries: [query] });
      else seen.queries.push(query);
    }
  }
  const shape: Record<string, z.ZodType> = {};
  for (const [param, { spec, queries: usedBy }] of byName) {
    const schema =
      spec.type === 'integer'
        ? z.number().int()
        : spec.type === 'number'
          ? z.number()
          : spec.type === 'boolean'
            ? z.boolean()
            : spec.type === 'date'
              ? z.iso.date()
              : z.string().max(spec.max_length ?? 1000);
    shape[param] = schema.optional().describe(`${spec.description} (${usedBy.join(', ')})`);
  }
  return z.strictObject(shape);
}
