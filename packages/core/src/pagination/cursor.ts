import { InvalidInputError } from '../errors/ToolError.ts';
import { canonicalJson, fingerprint } from '../idempotency/fingerprint.ts';

/**
 * Opaque pagination cursors. A cursor carries the position after the last row returned and a
 * digest of the query it belongs to, so a cursor replayed with a different filter is refused
 * instead of silently skipping rows.
 */
export function encodeCursor(position: unknown, query: Record<string, unknown>): string {
  return Buffer.from(canonicalJson({ p: position, q: fingerprint(query).slice(0, 16) })).toString(
    'base64url',
  );
}

export function decodeCursor<T>(cursor: string, query: Record<string, unknown>): T {
  let parsed: { p?: T; q?: string };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: T; q?: string };
  } catch {
    throw badCursor('it is not a cursor this server issued');
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.p === undefined)
    throw badCursor('it is malformed');
  if (parsed.q !== fingerprint(query).slice(0, 16)) throw badCursor('it belongs to a different filter');
  return parsed.p;
}

function badCursor(why: string) {
  return new InvalidInputError(`The cursor cannot be used: ${why}.`, {
    hint: 'Pass the next_cursor from the previous page with the same filter, or omit cursor to start over.',
    details: { issues: [{ path: 'cursor', message: why }] },
  });
}
