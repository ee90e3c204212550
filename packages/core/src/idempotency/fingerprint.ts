import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal values always serialize the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/** A stable digest of parsed (normalized) arguments: equal arguments, equal fingerprint. */
export function fingerprint(args: Record<string, unknown>, omit: readonly string[] = []): string {
  const kept = Object.fromEntries(Object.entries(args).filter(([key]) => !omit.includes(key)));
  return createHash('sha256').update(canonicalJson(kept)).digest('hex');
}
