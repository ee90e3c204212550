import type { SimRequest, SimResponse } from '../http/exchange.ts';
import { associationsView, link, resolveAssociations } from './associations.ts';
import type { WriteResult } from './CrmStore.ts';
import {
  DEFAULT_RETURNED_PROPERTIES,
  isObjectType,
  type ObjectType,
  propertyErrorMessage,
  SINGULAR,
  toPropertyValues,
  validateProperties,
} from './objectTypes.ts';
import { type CrmContext, createBodySchema, parseBody, toApiObject, updateBodySchema } from './requests.ts';

/** HubSpot's 409 for a value a unique property already holds. */
export function conflictResponse(
  ctx: CrmContext,
  type: ObjectType,
  result: WriteResult & { ok: false },
): SimResponse {
  const { property, value, existingId } = result.conflict;
  const noun = SINGULAR[type];
  return ctx.errors.response(409, 'CONFLICT', `${noun} already exists. Existing ID: ${existingId}`, {
    errors: [
      {
        message: `A ${noun.toLowerCase()} with ${property} ${value} already exists. Existing ID: ${existingId}`,
        in: property,
      },
    ],
  });
}

/**
 * `POST /crm/v3/objects/{type}`: creates (with the associations asked for), or answers 409 when a
 * unique property value is taken and 400 for an invalid property or association.
 */
export function createObject(ctx: CrmContext, type: ObjectType, req: SimRequest): SimResponse {
  const body = parseBody(ctx, createBodySchema, req.body);
  if (!body.ok) return body.response;
  const values = toPropertyValues(body.value.properties);
  const invalid = validateProperties(type, values, true);
  if (invalid.length > 0) {
    return ctx.errors.response(400, 'VALIDATION_ERROR', propertyErrorMessage(invalid), {
      errors: invalid.map((e) => ({ message: e.message, in: e.in, code: e.code })),
    });
  }
  const links = resolveAssociations(ctx, type, body.value.associations);
  if (!links.ok) return ctx.errors.response(400, 'VALIDATION_ERROR', links.message);
  const result = ctx.store.create(type, values);
  if (!result.ok) return conflictResponse(ctx, type, result);
  link(ctx, result.record, links.links);
  return { status: 201, body: toApiObject(result.record) };
}

/** Finds a record by id, or by a unique property when `idProperty` is given. */
function lookup(ctx: CrmContext, type: ObjectType, id: string, req: SimRequest) {
  const idProperty = req.url.searchParams.get('idProperty');
  if (idProperty === null || idProperty === 'hs_object_id') return { record: ctx.store.get(type, id) };
  if (!ctx.store.isUnique(type, idProperty)) {
    const message = `Property ${idProperty} is not a unique identifier property for ${type}`;
    return { error: ctx.errors.response(400, 'VALIDATION_ERROR', message) };
  }
  return { record: ctx.store.findUnique(type, idProperty, id) };
}

function notFound(ctx: CrmContext, id: string): SimResponse {
  return ctx.errors.response(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', {
    context: { id: [id] },
  });
}

/**
 * `GET /crm/v3/objects/{type}/{id}?idProperty=&properties=&associations=`: reads are consistent,
 * unlike search; `associations=companies,…` adds the record's associations of those types.
 */
export function readObject(ctx: CrmContext, type: ObjectType, id: string, req: SimRequest): SimResponse {
  const found = lookup(ctx, type, id, req);
  if (found.error) return found.error;
  if (!found.record) return notFound(ctx, id);
  const requested = req.url.searchParams.get('properties');
  const names = requested ? requested.split(',').filter((n) => n !== '') : DEFAULT_RETURNED_PROPERTIES[type];
  const object = toApiObject(found.record, found.record.properties, names);
  const toTypes = (req.url.searchParams.get('associations') ?? '').split(',').filter(isObjectType);
  const associations = associationsView(ctx, found.record, toTypes);
  return { status: 200, body: associations === undefined ? object : { ...object, associations } };
}

/** `PATCH /crm/v3/objects/{type}/{id}?idProperty=`: updates the given properties only. */
export function updateObject(ctx: CrmContext, type: ObjectType, id: string, req: SimRequest): SimResponse {
  const body = parseBody(ctx, updateBodySchema, req.body);
  if (!body.ok) return body.response;
  const found = lookup(ctx, type, id, req);
  if (found.error) return found.error;
  if (!found.record) return notFound(ctx, id);
  const values = toPropertyValues(body.value.properties);
  const invalid = validateProperties(type, values, false);
  if (invalid.length > 0) return ctx.errors.response(400, 'VALIDATION_ERROR', propertyErrorMessage(invalid));
  const result = ctx.store.update(found.record, values);
  if (!result.ok) return conflictResponse(ctx, type, result);
  return { status: 200, body: toApiObject(result.record) };
}
