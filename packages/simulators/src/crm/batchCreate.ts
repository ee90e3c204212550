import { Random, type Seed } from '@tollgate/gtm-data';
import * as z from 'zod';
import type { SimRequest, SimResponse } from '../http/exchange.ts';
import { associationInputSchema, type Link, link, resolveAssociations } from './associations.ts';
import { tooManyInputs } from './batchUpsert.ts';
import type { CrmRecord } from './CrmStore.ts';
import { conflictResponse } from './objects.ts';
import {
  type ObjectType,
  type PropertyValues,
  propertyErrorMessage,
  toPropertyValues,
  uniqueKey,
  validateProperties,
} from './objectTypes.ts';
import { type CrmContext, parseBody, propertiesSchema, toApiObject } from './requests.ts';

/** The order batch/create results come back in. HubSpot promises none (see {@link batchCreate}). */
export const BATCH_RESULT_ORDERS = ['shuffled', 'reversed', 'input'] as const;
export type BatchResultOrder = (typeof BATCH_RESULT_ORDERS)[number];

const batchCreateBodySchema = z.object({
  inputs: z.array(
    z.object({
      properties: propertiesSchema,
      associations: z.array(associationInputSchema).default([]),
      objectWriteTraceId: z.string().optional(),
    }),
  ),
});

/** Puts batch/create results in the configured order; a seeded shuffle differs per request. */
export class ResultOrder {
  #count = 0;

  constructor(
    readonly order: BatchResultOrder,
    readonly seed: Seed,
  ) {}

  apply<T>(items: readonly T[]): T[] {
    const out = [...items];
    if (this.order === 'input') return out;
    if (this.order === 'reversed') return out.reverse();
    const rng = new Random(this.seed, 'batch-result-order', this.#count++);
    for (let i = out.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

type Failure = { status: number; body: Record<string, unknown> };

/**
 * `POST /crm/v3/objects/{type}/batch/create`: up to 100 inputs `{ properties, associations,
 * objectWriteTraceId }`, each made with its associations, answered 201 with the records made.
 * HubSpot's multi-status mode, as documented: only when every input carries its own (unique)
 * `objectWriteTraceId` does a batch with some bad inputs make the others and answer 207, each error
 * naming its input in `context.objectWriteTraceId`; otherwise one bad input fails the whole batch
 * (400, or 409 for a taken unique value) and nothing is made. Results come in no promised order
 * (HubSpot's do not follow the inputs), here as configured, by default shuffled; each carries its
 * input's `objectWriteTraceId`. More than 100 inputs is a 400 for the whole batch.
 */
export function batchCreate(
  ctx: CrmContext,
  type: ObjectType,
  req: SimRequest,
  order: ResultOrder,
): SimResponse {
  const startedAt = new Date().toISOString();
  const body = parseBody(ctx, batchCreateBodySchema, req.body);
  if (!body.ok) return body.response;
  const { inputs } = body.value;
  const overCap = tooManyInputs(ctx, inputs);
  if (overCap) return overCap;
  const traces = inputs.map((input) => input.objectWriteTraceId);
  const multiStatus =
    traces.every((trace) => trace !== undefined && trace !== '') && new Set(traces).size === traces.length;

  // Every input is checked before anything is made, so a batch that fails whole writes nothing.
  const claimed = new Map<string, number>(); // unique property value → input taking it
  const checked = inputs.map((input, index): { values: PropertyValues; links: Link[] } | Failure => {
    const values = toPropertyValues(input.properties);
    const invalid = validateProperties(type, values, true);
    if (invalid.length > 0) {
      return {
        status: 400,
        body: ctx.errors.envelope('VALIDATION_ERROR', propertyErrorMessage(invalid), {
          errors: invalid.map((e) => ({ message: e.message, in: e.in, code: e.code })),
        }),
      };
    }
    const links = resolveAssociations(ctx, type, input.associations);
    if (!links.ok) return { status: 400, body: ctx.errors.envelope('VALIDATION_ERROR', links.message) };
    const taken = takenUnique(ctx, type, values, claimed);
    if (taken !== undefined) {
      const conflict = conflictResponse(ctx, type, { ok: false, conflict: taken });
      return { status: conflict.status, body: conflict.body as Record<string, unknown> };
    }
    for (const property of uniqueProperties(ctx, type, values)) claimed.set(property, index);
    return { values, links: links.links };
  });
  const failed = checked.findIndex((entry) => 'status' in entry);
  if (!multiStatus && failed >= 0) {
    const failure = checked[failed] as Failure;
    return { status: failure.status, body: failure.body };
  }

  const made: { record: CrmRecord; trace: string | undefined }[] = [];
  const errors: unknown[] = [];
  checked.forEach((entry, index) => {
    const trace = traces[index];
    if ('status' in entry) {
      errors.push({ ...entry.body, context: { objectWriteTraceId: [trace] } });
      return;
    }
    const result = ctx.store.create(type, entry.values);
    if (!result.ok) throw new Error('a unique value checked free was taken'); // checked above
    link(ctx, result.record, entry.links);
    made.push({ record: result.record, trace });
  });
  const results = order.apply(made).map(({ record, trace }) => ({
    ...toApiObject(record),
    ...(trace === undefined ? {} : { objectWriteTraceId: trace }),
  }));
  const completedAt = new Date().toISOString();
  const base = { status: 'COMPLETE', results, startedAt, completedAt };
  if (errors.length === 0) return { status: 201, body: base };
  return { status: 207, body: { ...base, numErrors: errors.length, errors } };
}

/** The unique-property keys (`property\0value`) a create would take. */
function uniqueProperties(ctx: CrmContext, type: ObjectType, values: PropertyValues): string[] {
  return Object.entries(values)
    .filter(([property, value]) => value !== '' && ctx.store.isUnique(type, property))
    .map(([property, value]) => `${property}\u0000${uniqueKey(property, value)}`);
}

/** A unique value another record, or an earlier input of the batch, already holds. */
function takenUnique(
  ctx: CrmContext,
  type: ObjectType,
  values: PropertyValues,
  claimed: ReadonlyMap<string, number>,
): { property: string; value: string; existingId: string } | undefined {
  for (const [property, value] of Object.entries(values)) {
    if (value === '' || !ctx.store.isUnique(type, property)) continue;
    const holder = ctx.store.findUnique(type, property, value);
    if (holder !== undefined) return { property, value, existingId: holder.id };
    // HubSpot names no id for an input of the same batch; the simulator names the input.
    const input = claimed.get(`${property}\u0000${uniqueKey(property, value)}`);
    if (input !== undefined) return { property, value, existingId: `(input ${input} of this batch)` };
  }
  return undefined;
}
