import type * as z from 'zod';
import { defOf, unwrapChain } from '../tool/schemaWalk.ts';

/*
 * A call record is written for every call, whatever its arguments, so it must not be something a
 * caller can turn against the operator: one call with a 10 MB argument must not write a 10 MB log
 * line, and keys the tool's schema drops must not travel into the audit trail as if they had been
 * used. Values are bounded after redaction (a secret is replaced whole before anything is cut, so a
 * cut can never leave part of one behind), and every cut is marked with what was left out.
 */

export interface RecordLimits {
  /** Characters kept of one string value or key. */
  maxString: number;
  /** Items kept of one array, and keys of one object. */
  maxItems: number;
  /** Levels of nesting kept. */
  maxDepth: number;
}

export const ARGUMENT_LIMITS: RecordLimits = { maxString: 1000, maxItems: 50, maxDepth: 8 };
/** A stack trace or upstream body is worth more characters than one argument. */
export const CAUSE_LIMITS: RecordLimits = { maxString: 8000, maxItems: 50, maxDepth: 8 };

/** Written in place of the value of a key the tool's schema does not have. */
export const UNKNOWN_KEY = '[unknown key: not used by the tool, value not recorded]';

const cut = (text: string, keep: number) =>
  text.length <= keep ? text : `${text.slice(0, keep)}…[cut ${text.length - keep} of ${text.length} chars]`;

/** The value with long strings, long arrays, wide objects and deep nesting cut, each cut marked. */
export function boundValue(value: unknown, limits: RecordLimits, depth = 0): unknown {
  if (typeof value === 'string') return cut(value, limits.maxString);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= limits.maxDepth) return `[cut: nested deeper than ${limits.maxDepth} levels]`;
  if (Array.isArray(value)) {
    const kept = value.slice(0, limits.maxItems).map((item) => boundValue(item, limits, depth + 1));
    if (value.length > limits.maxItems)
      kept.push(`[cut ${value.length - limits.maxItems} of ${value.length} items]`);
    return kept;
  }
  const entries = Object.entries(value);
  const kept: Record<string, unknown> = {};
  for (const [key, item] of entries.slice(0, limits.maxItems)) {
    kept[cut(key, Math.min(limits.maxString, 200))] = boundValue(item, limits, depth + 1);
  }
  if (entries.length > limits.maxItems)
    kept['…'] = `[cut ${entries.length - limits.maxItems} of ${entries.length} keys]`;
  return kept;
}

/** The schema under its wrappers (optional, default, pipe input, …). */
const core = (schema: z.ZodType): z.ZodType => unwrapChain(schema).at(-1) ?? schema;

/**
 * The arguments with the value of every key the schema would drop replaced by {@link UNKNOWN_KEY},
 * and the dotted paths of those keys. Objects are followed through arrays and records; where the
 * schema cannot say which shape applies (a union), the value is kept as sent.
 */
export function markUnknownKeys(schema: z.ZodType, value: unknown): { value: unknown; unknown: string[] } {
  const unknown: string[] = [];
  const walk = (node: z.ZodType, item: unknown, path: string, depth: number): unknown => {
    if (item === null || typeof item !== 'object' || depth > 16) return item;
    const schemaNode = core(node);
    const def = defOf(schemaNode);
    if (def.type === 'array' && Array.isArray(item)) {
      return item.map((element, index) =>
        walk(def.element as z.ZodType, element, `${path}[${index}]`, depth + 1),
      );
    }
    if (Array.isArray(item)) return item;
    if (def.type === 'record') {
      return Object.fromEntries(
        Object.entries(item).map(([key, child]) => [
          key,
          walk(def.valueType as z.ZodType, child, join(path, key), depth + 1),
        ]),
      );
    }
    if (def.type !== 'object') return item;
    const shape = (schemaNode as z.ZodObject).shape;
    // A loose object (or one with a catchall) keeps unknown keys: they are used, so recorded as sent.
    const keepsUnknown = def.catchall !== undefined && defOf(def.catchall as z.ZodType).type !== 'never';
    const result: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(item)) {
      const childSchema = Object.hasOwn(shape, key) ? (shape[key] as z.ZodType) : undefined;
      if (childSchema !== undefined) result[key] = walk(childSchema, child, join(path, key), depth + 1);
      else if (keepsUnknown) result[key] = child;
      else {
        unknown.push(join(path, key));
        result[key] = UNKNOWN_KEY;
      }
    }
    return result;
  };
  const marked = walk(schema, value, '', 0);
  return { value: marked, unknown };
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);
