import * as z from 'zod';
import type { SimResponse } from '../http/exchange.ts';
import { associationInputSchema } from './associations.ts';
import type { CrmRecord, CrmStore } from './CrmStore.ts';
import type { HubSpotErrors } from './hubspotErrors.ts';
import { MODIFIED_PROPERTY, type PropertyValues } from './objectTypes.ts';

/** What every CRM route handler works with. */
export interface CrmContext {
  readonly store: CrmStore;
  readonly errors: HubSpotErrors;
}

const propertyValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const propertiesSchema = z.record(z.string(), propertyValue);

export const createBodySchema = z.object({
  properties: propertiesSchema,
  associations: z.array(associationInputSchema).default([]),
});

export const updateBodySchema = z.object({ properties: propertiesSchema });

/** Parses a body or answers HubSpot's 400 for malformed input. */
export function parseBody<T>(
  ctx: CrmContext,
  schema: z.ZodType<T>,
  body: unknown,
): { ok: true; value: T } | { ok: false; response: SimResponse } {
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  return {
    ok: false,
    response: ctx.errors.response(400, 'VALIDATION_ERROR', `Invalid input JSON: ${detail}`),
  };
}

/**
 * A record in the API's shape. With `names`, only those properties (missing ones as null), as
 * HubSpot returns them; without, every stored property (what write endpoints echo).
 */
export function toApiObject(
  record: CrmRecord,
  snapshot: PropertyValues = record.properties,
  names?: readonly string[],
): {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: false;
} {
  const properties = names ? Object.fromEntries(names.map((n) => [n, snapshot[n] ?? null])) : { ...snapshot };
  const updatedAt = snapshot[MODIFIED_PROPERTY[record.type]] ?? record.updatedAt;
  return { id: record.id, properties, createdAt: record.createdAt, updatedAt, archived: false };
}
