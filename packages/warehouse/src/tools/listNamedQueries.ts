import { defineTool } from '@tollgate/core';
import { listNamedQueries } from '../contract.ts';
import type { WarehouseContext } from '../WarehouseContext.ts';

export const listNamedQueriesTool = (warehouse: WarehouseContext) =>
  defineTool({
    ...listNamedQueries,
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
