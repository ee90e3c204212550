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
  // Nearly every value is within the limits: checking costs no allocation, and the value is kept.
  if (withinLimits(value, limits, depth)) return value;
  return cutValue(value, limits, depth);
}

function cutValue(value: unknown, limits: RecordLimits, depth: number): unknown {
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
    kept[cut(key, maxKey(limits))] = boundValue(item, limits, depth + 1);
  }
  if (entries.length > limits.maxItems)
    kept['…'] = `[cut ${entries.length - limits.maxItems} of ${entries.length} keys]`;
  return kept;
}

const maxKey = (limits: RecordLimits) => Math.min(limits.maxString, 200);

/**
 * True when {@link cutValue} would give back an equal value: nothing to cut, and only plain objects
 * and arrays (any other object, a Date or a Map, is rebuilt from its own keys, as it always was).
 */
function withinLimits(value: unknown, limits: RecordLimits, depth: number): boolean {
  if (typeof value === 'string') return value.length <= limits.maxString;
  if (value === null || typeof value !== 'object') return true;
  if (depth >= limits.maxDepth) return false;
  if (Array.isArray(value)) {
    if (value.length > limits.maxItems) return false;
    for (const item of value) if (!withinLimits(item, limits, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(value);
  if (keys.length > limits.maxItems) return false;
  for (const key of keys) {
    if (key.length > maxKey(limits) || key === '__proto__') return false;
    if (!withinLimits((value as Record<string, unknown>)[key], limits, depth + 1)) return false;
  }
  return true;
}

/** The schema under its wrappers (optional, default, pipe input, …). */
const core = (schema: z.ZodType): z.ZodType => unwrapChain(schema).at(-1) ?? schema;

/** Marks the unknown keys of one value (see {@link markUnknownKeys}); gives back the value itself when it has none. */
type Marker = (item: unknown, path: string, depth: number, unknown: string[]) => unknown;

const keep: Marker = (item) => item;

/**
 * The arguments with the value of every key the schema would drop replaced by {@link UNKNOWN_KEY},
 * and the dotted paths of those keys. Objects are followed through arrays and records; where the
 * schema cannot say which shape applies (a union), the value is kept as sent.
 */
export function markUnknownKeys(schema: z.ZodType, value: unknown): { value: unknown; unknown: string[] } {
  return unknownKeyMarker(schema)(value);
}

const markers = new WeakMap<z.ZodType, (value: unknown) => { value: unknown; unknown: string[] }>();

/**
 * {@link markUnknownKeys} for one schema, compiled once: the walk of the schema (unwrapping
 * optionals, reading shapes) is done here, not on every call, and parts of the value without
 * unknown keys are shared, not copied. A call record is written for every call, so this runs on
 * every call.
 */
export function unknownKeyMarker(
  schema: z.ZodType,
): (value: unknown) => { value: unknown; unknown: string[] } {
  let marker = markers.get(schema);
  if (marker === undefined) {
    const root = compileMarker(schema, new Map());
    marker = (value) => {
      const unknown: string[] = [];
      return { value: root(value, '', 0, unknown), unknown };
    };
    markers.set(schema, marker);
  }
  return marker;
}

function compileMarker(schema: z.ZodType, compiled: Map<z.ZodType, Marker>): Marker {
  // Keyed by the schema as written, not its core: a z.lazy getter may build a new core each time.
  const known = compiled.get(schema);
  if (known !== undefined) return known;
  // A recursive schema reaches itself: until it is compiled, it gets this forwarder.
  let built: Marker = keep;
  compiled.set(schema, (item, path, depth, unknown) => built(item, path, depth, unknown));
  built = buildMarker(core(schema), compiled);
  compiled.set(schema, built);
  return built;
}

/** Nothing to mark in a primitive, past 16 levels, or where the schema and the value disagree. */
const walkable = (item: unknown, depth: number): item is object =>
  item !== null && typeof item === 'object' && depth <= 16;

function buildMarker(node: z.ZodType, compiled: Map<z.ZodType, Marker>): Marker {
  const def = defOf(node);
  if (def.type === 'array') {
    const element = compileMarker(def.element as z.ZodType, compiled);
    if (element === keep) return keep;
    return (item, path, depth, unknown) => {
      if (!walkable(item, depth) || !Array.isArray(item)) return item;
      let copy: unknown[] | undefined;
      for (let index = 0; index < item.length; index++) {
        const marked = element(item[index], `${path}[${index}]`, depth + 1, unknown);
        if (marked !== item[index]) {
          copy ??= item.slice();
          copy[index] = marked;
        }
      }
      return copy ?? item;
    };
  }
  if (def.type === 'record') {
    const valueMarker = compileMarker(def.valueType as z.ZodType, compiled);
    if (valueMarker === keep) return keep;
    return (item, path, depth, unknown) => {
      if (!walkable(item, depth) || Array.isArray(item)) return item;
      let copy: Record<string, unknown> | undefined;
      for (const key of Object.keys(item)) {
        const child = (item as Record<string, unknown>)[key];
        const marked = valueMarker(child, join(path, key), depth + 1, unknown);
        if (marked !== child) copy = withOwn(copy ?? { ...item }, key, marked);
      }
      return copy ?? item;
    };
  }
  if (def.type !== 'object') return keep;
  const shape = (node as z.ZodObject).shape;
  // A loose object (or one with a catchall) keeps unknown keys: they are used, so recorded as sent.
  const keepsUnknown = def.catchall !== undefined && defOf(def.catchall as z.ZodType).type !== 'never';
  const fields = new Map<string, Marker>();
  for (const key of Object.keys(shape)) fields.set(key, compileMarker(shape[key] as z.ZodType, compiled));
  return (item, path, depth, unknown) => {
    if (!walkable(item, depth) || Array.isArray(item)) return item;
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(item)) {
      const child = (item as Record<string, unknown>)[key];
      const field = fields.get(key);
      let marked: unknown = child;
      if (field !== undefined) marked = field(child, join(path, key), depth + 1, unknown);
      else if (!keepsUnknown) {
        unknown.push(join(path, key));
        marked = UNKNOWN_KEY;
      }
      if (marked !== child) copy = withOwn(copy ?? { ...item }, key, marked);
    }
    return copy ?? item;
  };
}

/** Sets an own property, even one named `__proto__`, whose value must not survive as sent. */
function withOwn(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);
