import type * as z from 'zod';

/** Arguments a tool must refuse, derived from its advertised input schema and a valid example. */
export interface InvalidArgument {
  /** The field made invalid, dotted as the gate reports it (`filter.min_score`, `tags.0`); '' for the whole object. */
  path: string;
  /** What is wrong with it, in words. */
  why: string;
  args: Record<string, unknown>;
}

type JsonSchema = Record<string, unknown>;
type Segment = string | number;

const WRONG_TYPED: readonly [type: string, value: unknown][] = [
  ['number', 4242],
  ['string', 'not-a-valid-value'],
  ['boolean', true],
  ['object', { unexpected: true }],
  ['array', ['unexpected']],
];

/**
 * Every invalid variant of `example` that the tool's JSON Schema rules out: a required field
 * missing, a field of the wrong type, an unknown field where the schema forbids them, strings past
 * their length limits, numbers out of range or not whole, values outside an enum, arrays with too
 * many or too few items, and a NUL character in a string (which the gate refuses for every tool).
 * When the tool's zod schema is given, only variants it really refuses are kept: a JSON Schema
 * cannot say everything zod checks, nor everything zod lets through.
 */
export function invalidArguments(
  inputSchema: JsonSchema,
  example: Record<string, unknown>,
  zodSchema?: z.ZodType,
): InvalidArgument[] {
  const found: InvalidArgument[] = [];
  const add = (path: Segment[], why: string, args: Record<string, unknown>, gateRule = false) => {
    if (!gateRule && zodSchema?.safeParse(args).success === true) return;
    found.push({ path: path.join('.'), why, args });
  };
  walk(inputSchema, example, [], (path, why, value, gateRule) => {
    add(path, why, replaceAt(example, path, value) as Record<string, unknown>, gateRule);
  });
  // Refused by the gate for every tool, so even a tool without fields has one invalid variant.
  add([], 'with a key holding a NUL character', { ...example, 'bad\u0000key': true }, true);
  return found;
}

type Emit = (path: Segment[], why: string, value: unknown, gateRule?: boolean) => void;

/** Drops a key: `replaceAt` leaves an object without it. */
const OMIT = Symbol('omit');

function walk(schema: JsonSchema, value: unknown, path: Segment[], emit: Emit): void {
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  const types = typesOf(schema);
  const wrong = WRONG_TYPED.find(
    ([type]) => !types.has(type) && !(type === 'number' && types.has('integer')),
  );
  if (wrong !== undefined && types.size > 0 && path.length > 0)
    emit(path, `a ${wrong[0]} instead of ${[...types].join(' or ')}`, wrong[1]);
  if (!types.has('null') && types.size > 0 && path.length > 0) emit(path, 'null', null);
  // Constraints of the branch that matches the example's own type.
  const own = branches?.find((branch) => accepts(typesOf(branch), value)) ?? schema;
  if (typeof value === 'string') strings(own, value, path, emit);
  else if (typeof value === 'number') numbers(own, value, path, emit);
  else if (Array.isArray(value)) arrays(own, value, path, emit);
  else if (value !== null && typeof value === 'object')
    objects(own, value as Record<string, unknown>, path, emit);
}

function objects(schema: JsonSchema, value: Record<string, unknown>, path: Segment[], emit: Emit): void {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const key of (schema.required ?? []) as string[]) {
    if (key in value) emit([...path, key], 'missing, though required', OMIT);
  }
  if (schema.additionalProperties === false) {
    emit([...path, 'tollgate_unexpected_field'], 'a field the schema does not have', 'unexpected');
  }
  for (const [key, child] of Object.entries(value)) {
    const field = properties[key];
    if (field !== undefined && child !== undefined) walk(field, child, [...path, key], emit);
  }
}

function strings(schema: JsonSchema, value: string, path: Segment[], emit: Emit): void {
  if (typeof schema.maxLength === 'number') {
    emit(path, `longer than maxLength ${schema.maxLength}`, 'x'.repeat(schema.maxLength + 1));
  }
  if (typeof schema.minLength === 'number' && schema.minLength > 0) {
    emit(path, `shorter than minLength ${schema.minLength}`, 'x'.repeat(schema.minLength - 1));
  }
  if (Array.isArray(schema.enum)) emit(path, 'a value outside its enum', 'not-one-of-the-choices');
  if (typeof schema.format === 'string' || typeof schema.pattern === 'string') {
    emit(path, `not ${schema.format ?? 'of its pattern'}`, '%% not valid %%');
  }
  emit(path, 'a string holding a NUL character', `${value}\u0000`, true);
}

function numbers(schema: JsonSchema, value: number, path: Segment[], emit: Emit): void {
  if (typeof schema.minimum === 'number') emit(path, `below minimum ${schema.minimum}`, schema.minimum - 1);
  if (typeof schema.maximum === 'number') emit(path, `above maximum ${schema.maximum}`, schema.maximum + 1);
  if (typeof schema.exclusiveMinimum === 'number') {
    emit(path, `not above exclusiveMinimum ${schema.exclusiveMinimum}`, schema.exclusiveMinimum);
  }
  if (typeof schema.exclusiveMaximum === 'number') {
    emit(path, `not below exclusiveMaximum ${schema.exclusiveMaximum}`, schema.exclusiveMaximum);
  }
  if (typesOf(schema).has('integer')) emit(path, 'not a whole number', Math.trunc(value) + 0.5);
}

function arrays(schema: JsonSchema, value: unknown[], path: Segment[], emit: Emit): void {
  if (typeof schema.maxItems === 'number' && value.length > 0) {
    emit(
      path,
      `more than maxItems ${schema.maxItems}`,
      Array.from({ length: schema.maxItems + 1 }, () => value[0]),
    );
  }
  if (typeof schema.minItems === 'number' && schema.minItems > 0) {
    emit(path, `fewer than minItems ${schema.minItems}`, value.slice(0, schema.minItems - 1));
  }
  const items = schema.items as JsonSchema | undefined;
  if (items !== undefined && typeof items === 'object' && value.length > 0)
    walk(items, value[0], [...path, 0], emit);
}

/** The JSON types a schema allows (through anyOf, oneOf and enum); empty when it says nothing. */
export function typesOf(schema: JsonSchema): Set<string> {
  const types = new Set<string>();
  if (typeof schema.type === 'string') types.add(schema.type);
  if (Array.isArray(schema.type)) for (const type of schema.type) types.add(String(type));
  for (const branch of ((schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined) ?? []) {
    for (const type of typesOf(branch)) types.add(type);
  }
  if (types.size === 0 && Array.isArray(schema.enum)) {
    for (const option of schema.enum) types.add(jsonType(option));
  }
  return types;
}

function accepts(types: ReadonlySet<string>, value: unknown): boolean {
  const type = jsonType(value);
  return types.has(type) || (type === 'integer' && types.has('number'));
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** A copy of `root` with the value at `path` replaced (or removed, for OMIT). */
function replaceAt(root: unknown, path: readonly Segment[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [Segment, ...Segment[]];
  if (Array.isArray(root)) {
    const copy = [...root];
    copy[head as number] = replaceAt(copy[head as number], rest, value);
    return copy;
  }
  const copy = { ...(root as Record<string, unknown>) };
  const next = replaceAt(copy[head], rest, value);
  if (next === OMIT) delete copy[head];
  else copy[head] = next;
  return copy;
}
