import { REDACTED } from './Redactor.ts';

export interface Masked<T> {
  value: T;
  /** The string values that were masked, so the same call can scrub them from errors too. */
  hidden: string[];
}

/**
 * Replaces the values at the given field paths (`a.b`, `items[].token`, `headers{}`) with the
 * redaction marker. Returns a copy; the input is never changed.
 */
export function maskFields<T>(value: T, paths: readonly string[]): Masked<T> {
  if (paths.length === 0) return { value, hidden: [] };
  const hidden: string[] = [];
  let result: unknown = value;
  for (const path of paths) result = maskPath(result, tokenize(path), hidden);
  return { value: result as T, hidden };
}

type Token = { kind: 'key'; key: string } | { kind: 'each' };

function tokenize(path: string): Token[] {
  const tokens: Token[] = [];
  for (const part of path.split('.')) {
    const match = /^(.*?)((?:\[\]|\{\})*)$/.exec(part) as RegExpExecArray;
    const key = match[1] as string;
    if (key !== '') tokens.push({ kind: 'key', key });
    for (let i = 0; i < (match[2] as string).length / 2; i++) tokens.push({ kind: 'each' });
  }
  return tokens;
}

function maskPath(node: unknown, tokens: readonly Token[], hidden: string[]): unknown {
  const [head, ...rest] = tokens;
  if (head === undefined) {
    collect(node, hidden);
    return node === undefined || node === null ? node : REDACTED;
  }
  if (node === null || typeof node !== 'object') return node;
  if (head.kind === 'each') {
    if (Array.isArray(node)) return node.map((item) => maskPath(item, rest, hidden));
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, maskPath(v, rest, hidden)]));
  }
  if (Array.isArray(node) || !Object.hasOwn(node, head.key)) return node;
  const record = node as Record<string, unknown>;
  return { ...record, [head.key]: maskPath(record[head.key], rest, hidden) };
}

function collect(node: unknown, hidden: string[]): void {
  if (typeof node === 'string') hidden.push(node);
  else if (typeof node === 'number' || typeof node === 'bigint') hidden.push(String(node));
  else if (node !== null && typeof node === 'object') for (const v of Object.values(node)) collect(v, hidden);
}
