import * as z from 'zod';
import type { SimRequest, SimResponse } from '../http/exchange.ts';
import { tooManyInputs } from './batchUpsert.ts';
import { DEFAULT_RETURNED_PROPERTIES, type ObjectType, SINGULAR } from './objectTypes.ts';
import { type CrmContext, parseBody, toApiObject } from './requests.ts';

const batchReadBodySchema = z.object({
  idProperty: z.string().min(1).optional(),
  inputs: z.array(z.object({ id: z.string().min(1) })),
  properties: z.array(z.string()).default([]),
  propertiesWithHistory: z.array(z.string()).default([]),
});

/**
 * `POST /crm/v3/objects/{type}/batch/read`: the records whose `idProperty` (or record id) is each
 * input's `id`, up to 100. Ids with no record are one 207 error, `OBJECT_NOT_FOUND` with their ids
 * in `context.ids`, beside the records found, as HubSpot answers; a non-unique `idProperty` or too
 * many inputs fails the whole batch with 400. Results come in no promised order.
 */
export function batchRead(ctx: CrmContext, type: ObjectType, req: SimRequest): SimResponse {
  const startedAt = new Date().toISOString();
  const body = parseBody(ctx, batchReadBodySchema, req.body);
  if (!body.ok) return body.response;
  const { idProperty, inputs, properties } = body.value;
  const overCap = tooManyInputs(ctx, inputs);
  if (overCap) return overCap;
  const byRecordId = idProperty === undefined || idProperty === 'hs_object_id';
  if (!byRecordId && !ctx.store.isUnique(type, idProperty)) {
    return ctx.errors.response(
      400,
      'VALIDATION_ERROR',
      `Property ${idProperty} is not a unique identifier property for ${type}`,
    );
  }
  const names = properties.length > 0 ? properties : DEFAULT_RETURNED_PROPERTIES[type];
  const results: unknown[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const { id } of inputs) {
    const record = byRecordId ? ctx.store.get(type, id) : ctx.store.findUnique(type, idProperty, id);
    if (record === undefined) {
      missing.push(id);
      continue;
    }
    // The same record asked for twice is answered once.
    if (seen.has(record.id)) continue;
    seen.add(record.id);
    results.push(toApiObject(record, record.properties, names));
  }
  const completedAt = new Date().toISOString();
  const base = { status: 'COMPLETE', results, startedAt, completedAt };
  if (missing.length === 0) return { status: 200, body: base };
  const error = ctx.errors.envelope(
    'OBJECT_NOT_FOUND',
    `Could not get some ${SINGULAR[type].toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
    { context: { ids: missing } },
  );
  return { status: 207, body: { ...base, numErrors: 1, errors: [{ status: 'error', ...error }] } };
}
