import { InvalidInputError } from '../errors/ToolError.ts';
import { canonicalJson, fingerprint } from '../idempotency/fingerprint.ts';

/*
 * Opaque pagination cursors. A cursor carries the position after the last row returned (a string:
 * the sort key of that row) and a digest of the tool and the filter it was issued for, so a cursor
 * replayed with another filter, or handed to another tool, is refused instead of silently skipping
 * rows. The cursor is not signed: its position only says "rows after X", which a caller could ask
 * for by building one, so what the server must guarantee is that a built or garbled cursor is the
 * caller's typed mistake (`invalid_input`) and never reaches a query as anything but a string.
 */

const MAX_POSITION = 1000;

function digest(tool: string, query: Record<string, unknown>): string {
  return fingerprint({ tool, query }).slice(0, 16);
}

/** The cursor for the page after `position`, valid only for `tool` with this same `query`. */
export function encodeCursor(tool: string, position: string, query: Record<string, unknown>): string {
  return Buffer.from(canonicalJson({ p: position, q: digest(tool, query) })).toString('base64url');
}

/** The position a cursor from {@link encodeCursor} holds; `invalid_input` for any other cursor. */
export function decodeCursor(tool: string, cursor: string, query: Record<string, unknown>): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('it is not a cursor this server issued');
  }
  if (parsed === null || typeof parsed !== 'object') throw badCursor('it is not a cursor this server issued');
  const { p, q } = parsed as { p?: unknown; q?: unknown };
  if (typeof p !== 'string' || p.length > MAX_POSITION || p.includes('\0') || typeof q !== 'string') {
    throw badCursor('it is malformed');
  }
  if (q !== digest(tool, query)) throw badCursor(`it was issued for another filter or tool than ${tool}`);
  return p;
}

function badCursor(why: string) {
  return new InvalidInputError(`The cursor cannot be used: ${why}.`, {
    hint: 'Pass the next_cursor from the previous page with the same filter, or omit cursor to start over.',
    details: { issues: [{ path: 'cursor', message: why }] },
  });
}

export interface KeysetPageOptions<T> {
  /** The tool the cursor belongs to. */
  tool: string;
  /** The filter the cursor belongs to: a cursor is refused with any other. */
  filter: Record<string, unknown>;
  /** The caller's cursor, if any. */
  cursor: string | undefined;
  limit: number;
  /** Rows in the tool's order after the row with this key (all rows when undefined), at most `count`. */
  fetch: (after: string | undefined, count: number) => Promise<readonly T[]>;
  /** The sort key of a row: what the next page starts after. */
  keyOf: (row: T) => string;
}

/**
 * One page of a keyset-paginated list and the cursor for the next: the cursor is checked, one row
 * more than the page is fetched (so whether another page exists costs no second query), and the
 * next cursor, bound to the same tool and filter, is null on the last page.
 */
export async function keysetPage<T>(
  options: KeysetPageOptions<T>,
): Promise<{ rows: T[]; next_cursor: string | null }> {
  const { tool, filter, cursor, limit } = options;
  const after = cursor === undefined ? undefined : decodeCursor(tool, cursor, filter);
  const fetched = await options.fetch(after, limit + 1);
  const rows = fetched.slice(0, limit);
  const last = rows.at(-1);
  return {
    rows,
    next_cursor:
      fetched.length > limit && last !== undefined ? encodeCursor(tool, options.keyOf(last), filter) : null,
  };
}
