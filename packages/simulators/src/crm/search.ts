import * as z from 'zod';
import type { SimRequest, SimResponse } from '../http/exchange.ts';
import { DEFAULT_RETURNED_PROPERTIES, type ObjectType, type PropertyValues } from './objectTypes.ts';
import { type CrmContext, parseBody, toApiObject } from './requests.ts';

export const MAX_SEARCH_LIMIT = 200;
export const MAX_SEARCH_RESULTS = 10_000;
const MAX_FILTER_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 6;
const MAX_FILTERS = 18;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const filterSchema = z.object({
  propertyName: z.string().min(1),
  operator: z.enum([
    'EQ',
    'NEQ',
    'LT',
    'LTE',
    'GT',
    'GTE',
    'IN',
    'NOT_IN',
    'HAS_PROPERTY',
    'NOT_HAS_PROPERTY',
  ]),
  value: scalar.optional(),
  values: z.array(scalar).optional(),
});
type Filter = z.infer<typeof filterSchema>;

const searchBodySchema = z.object({
  filterGroups: z.array(z.object({ filters: z.array(filterSchema) })).default([]),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().min(1).default(10),
  after: z.union([z.string(), z.number()]).optional(),
  sorts: z.array(z.unknown()).optional(),
});

// String comparisons ignore case, as HubSpot's search does for text properties.
function matches(properties: PropertyValues, filter: Filter): boolean {
  const actual = properties[filter.propertyName];
  const has = actual !== undefined && actual !== '';
  const text = (v: unknown) => String(v).toLowerCase();
  const number = (v: unknown) => Number(v);
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    case 'EQ':
      return has && text(actual) === text(filter.value);
    case 'NEQ':
      return !has || text(actual) !== text(filter.value);
    case 'IN':
      return has && (filter.values ?? []).some((v) => text(v) === text(actual));
    case 'NOT_IN':
      return !has || !(filter.values ?? []).some((v) => text(v) === text(actual));
    case 'LT':
      return has && number(actual) < number(filter.value);
    case 'LTE':
      return has && number(actual) <= number(filter.value);
    case 'GT':
      return has && number(actual) > number(filter.value);
    case 'GTE':
      return has && number(actual) >= number(filter.value);
  }
}

/**
 * `POST /crm/v3/objects/{type}/search`: filter groups are OR-ed, filters inside a group AND-ed. Only
 * indexed writes are visible (a just-created record is not), pages hold at most 200, and paging
 * past 10,000 results is refused with 400.
 */
export function searchObjects(ctx: CrmContext, type: ObjectType, req: SimRequest): SimResponse {
  const body = parseBody(ctx, searchBodySchema, req.body ?? {});
  if (!body.ok) return body.response;
  const { filterGroups, limit, after } = body.value;
  const invalid = (message: string) => ctx.errors.response(400, 'VALIDATION_ERROR', message);
  if (limit > MAX_SEARCH_LIMIT) return invalid(`limit must be at most ${MAX_SEARCH_LIMIT}; got ${limit}`);
  if (filterGroups.length > MAX_FILTER_GROUPS) {
    return invalid(`At most ${MAX_FILTER_GROUPS} filterGroups allowed`);
  }
  if (filterGroups.some((g) => g.filters.length > MAX_FILTERS_PER_GROUP)) {
    return invalid(`At most ${MAX_FILTERS_PER_GROUP} filters per filterGroup allowed`);
  }
  if (filterGroups.reduce((n, g) => n + g.filters.length, 0) > MAX_FILTERS) {
    return invalid(`At most ${MAX_FILTERS} filters allowed in total`);
  }
  const offset = after === undefined ? 0 : Number(after);
  if (!Number.isInteger(offset) || offset < 0) return invalid(`after must be a paging cursor; got ${after}`);
  if (offset >= MAX_SEARCH_RESULTS) {
    return invalid(
      `Search results are limited to ${MAX_SEARCH_RESULTS}; cannot page past ${MAX_SEARCH_RESULTS}.`,
    );
  }

  const hits = ctx.store
    .searchable(type)
    .filter(({ properties }) =>
      filterGroups.length === 0
        ? true
        : filterGroups.some((g) => g.filters.every((f) => matches(properties, f))),
    )
    .sort((a, b) => Number(a.record.id) - Number(b.record.id));
  const names = body.value.properties ?? DEFAULT_RETURNED_PROPERTIES[type];
  const end = Math.min(offset + limit, hits.length, MAX_SEARCH_RESULTS);
  const results = hits
    .slice(offset, end)
    .map(({ record, properties }) => toApiObject(record, properties, names));
  const paging =
    end < Math.min(hits.length, MAX_SEARCH_RESULTS) ? { paging: { next: { after: String(end) } } } : {};
  return { status: 200, body: { total: hits.length, results, ...paging } };
}
