import * as z from 'zod';
import type { SimRequest, SimResponse } from '../http/exchange.ts';
import { conflictResponse } from './objects.ts';
import {
  type ObjectType,
  propertyErrorMessage,
  toPropertyValues,
  uniqueKey,
  validateProperties,
} from './objectTypes.ts';
import { type CrmContext, parseBody, propertiesSchema, toApiObject } from './requests.ts';

export const MAX_BATCH_INPUTS = 100;

/** HubSpot's answer to a batch of more than 100 inputs: a 400 for the whole batch. */
export function tooManyInputs(ctx: CrmContext, inputs: readonly unknown[]): SimResponse | undefined {
  if (inputs.length <= MAX_BATCH_INPUTS) return undefined;
  return ctx.errors.response(
    400,
    'VALIDATION_ERROR',
    `Batch input is limited to ${MAX_BATCH_INPUTS} inputs; got ${inputs.length}.`,
  );
}

const batchUpsertBodySchema = z.object({
  inputs: z.array(
    z.object({
      id: z.string().min(1),
      idProperty: z.string().min(1),
      properties: propertiesSchema.default({}),
      objectWriteTraceId: z.string().optional(),
    }),
  ),
});

/**
 * `POST /crm/v3/objects/{type}/batch/upsert`: each input creates or updates the record whose unique
 * `idProperty` equals `id`. Request-level problems fail the whole batch with 400; per-input problems
 * (an invalid email) fail only that input, and the batch answers 207 with `errors`.
 */
export function batchUpsert(ctx: CrmContext, type: ObjectType, req: SimRequest): SimResponse {
  const startedAt = new Date().toISOString();
  const body = parseBody(ctx, batchUpsertBodySchema, req.body);
  if (!body.ok) return body.response;
  const { inputs } = body.value;
  const overCap = tooManyInputs(ctx, inputs);
  if (overCap) return overCap;
  const notUnique = inputs.find((input) => !ctx.store.isUnique(type, input.idProperty));
  if (notUnique) {
    return ctx.errors.response(
      400,
      'VALIDATION_ERROR',
      `Property ${notUnique.idProperty} is not a unique identifier property for ${type}; ` +
        'upsert needs a property with unique values.',
    );
  }
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const input of inputs) {
    const key = `${input.idProperty}\u0000${uniqueKey(input.idProperty, input.id)}`;
    if (seen.has(key)) repeated.add(input.id);
    seen.add(key);
  }
  if (repeated.size > 0) {
    return ctx.errors.response(
      400,
      'VALIDATION_ERROR',
      `Duplicate IDs found in batch input: [${[...repeated].join(', ')}]. IDs must be unique`,
    );
  }

  const results: unknown[] = [];
  const errors: unknown[] = [];
  for (const input of inputs) {
    const values = toPropertyValues({ ...input.properties, [input.idProperty]: input.id });
    const existing = ctx.store.findUnique(type, input.idProperty, input.id);
    const invalid = validateProperties(type, values, existing === undefined);
    if (invalid.length > 0) {
      errors.push({
        ...ctx.errors.envelope('VALIDATION_ERROR', propertyErrorMessage(invalid), {
          context: { ids: [input.id] },
          errors: invalid.map((e) => ({ message: e.message, in: e.in, code: e.code })),
        }),
      });
      continue;
    }
    const result = existing ? ctx.store.update(existing, values) : ctx.store.create(type, values);
    if (!result.ok) {
      const conflict = conflictResponse(ctx, type, result).body as Record<string, unknown>;
      errors.push({ ...conflict, context: { ids: [input.id] } });
      continue;
    }
    results.push({ ...toApiObject(result.record), new: existing === undefined });
  }

  const completedAt = new Date().toISOString();
  const base = { status: 'COMPLETE', results, startedAt, completedAt };
  if (errors.length === 0) return { status: 200, body: base };
  return { status: 207, body: { ...base, numErrors: errors.length, errors } };
}
