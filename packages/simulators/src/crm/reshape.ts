import type { SimResponse } from '../http/exchange.ts';

function renameId(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('id' in value)) return value;
  const { id, ...rest } = value as Record<string, unknown>;
  return { objectId: id, ...rest };
}

/**
 * The answer after an unannounced schema change: every record's `id` is now `objectId` (as in the
 * older v1 APIs). The write still happened; only the answer cannot be trusted.
 */
export function reshapeCrmBody(response: SimResponse): SimResponse {
  const body = response.body;
  if (typeof body !== 'object' || body === null) return response;
  if ('results' in body && Array.isArray(body.results)) {
    return { ...response, body: { ...body, results: body.results.map(renameId) } };
  }
  return { ...response, body: renameId(body) };
}
