import * as z from 'zod';

/**
 * Marks a field as sensitive. Its value is masked in the call record, and its exact value is
 * scrubbed from errors and results of that call.
 *
 * @example input: z.object({ api_key: sensitive(z.string().describe('Vendor API key')) })
 */
export function sensitive<T extends z.ZodType>(schema: T): T {
  // Global metadata, because zod carries it through .describe() and .meta() clones.
  return schema.meta({ sensitive: true });
}

export type Def = { type: string; [key: string]: unknown };

export function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);

/** The chain of wrapper schemas around a field, outermost first, ending at the core schema. */
export function unwrapChain(schema: z.ZodType): z.ZodType[] {
  const chain = [schema];
  let current = schema;
  for (;;) {
    const def = defOf(current);
    let next: unknown;
    if (WRAPPERS.has(def.type)) next = def.innerType;
    else if (def.type === 'pipe') next = def.in;
    else if (def.type === 'lazy') next = (def.getter as () => z.ZodType)();
    if (!(next instanceof z.ZodType) || chain.includes(next)) return chain;
    chain.push(next);
    current = next;
  }
}

export interface FieldVisit {
  path: string;
  chain: z.ZodType[];
}

/**
 * Visits every object property reachable from a schema (through wrappers, arrays, unions,
 * records and intersections) with its dotted path: `owner.email`, `contacts[].email`.
 */
export function visitFields(schema: z.ZodType, visit: (field: FieldVisit) => void, prefix = ''): void {
  const seen = new Set<z.ZodType>();
  const walk = (node: z.ZodType, path: string): void => {
    const chain = unwrapChain(node);
    const core = chain[chain.length - 1] as z.ZodType;
    if (seen.has(core)) return;
    const def = defOf(core);
    switch (def.type) {
      case 'object': {
        seen.add(core);
        for (const [key, child] of Object.entries((core as z.ZodObject).shape)) {
          const childPath = path === '' ? key : `${path}.${key}`;
          visit({ path: childPath, chain: unwrapChain(child as z.ZodType) });
          walk(child as z.ZodType, childPath);
        }
        seen.delete(core);
        return;
      }
      case 'array':
        walk(def.element as z.ZodType, `${path}[]`);
        return;
      case 'record':
        walk(def.valueType as z.ZodType, `${path}{}`);
        return;
      case 'union':
        for (const option of def.options as z.ZodType[]) walk(option, path);
        return;
      case 'intersection':
        walk(def.left as z.ZodType, path);
        walk(def.right as z.ZodType, path);
        return;
      default:
        return;
    }
  };
  walk(schema, prefix);
}

export function hasDescription(chain: readonly z.ZodType[]): boolean {
  return chain.some((schema) => typeof schema.description === 'string' && schema.description.trim() !== '');
}

export function isSensitive(chain: readonly z.ZodType[]): boolean {
  return chain.some((schema) => z.globalRegistry.get(schema)?.sensitive === true);
}

/** Dotted paths of every field that lacks a description. */
export function undescribedFields(schema: z.ZodType): string[] {
  const missing: string[] = [];
  visitFields(schema, ({ path, chain }) => {
    if (!hasDescription(chain)) missing.push(path);
  });
  return missing;
}

/** Dotted paths of every field marked with `sensitive()`. */
export function sensitivePaths(schema: z.ZodType): string[] {
  const paths: string[] = [];
  visitFields(schema, ({ path, chain }) => {
    if (isSensitive(chain)) paths.push(path);
  });
  return paths;
}
