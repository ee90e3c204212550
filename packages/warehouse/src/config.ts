import { parseJsonSettings, readJsonSettingsFile } from '@tollgate/core/settings';
import * as z from 'zod';

const identifier = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _');
/** What a query name may be, as clients see it in run_named_query's input schema. */
export const queryName = identifier;

const paramFields = {
  description: z.string().min(1),
  required: z.boolean().optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  max_length: z.number().int().positive().optional(),
  enum: z.array(z.string()).min(1).optional(),
};
const SCALAR_TYPES = ['string', 'integer', 'number', 'boolean', 'date'] as const;
/** A named query's parameter: one scalar, as run_named_query advertises it. */
const namedParamSpec = z.strictObject({ type: z.enum(SCALAR_TYPES), ...paramFields });
/**
 * A tool query's parameter may also be a `string_list`: strings bound as one `text[]`
 * (`= ANY(:domains)`), with `max` the most items.
 */
const toolParamSpec = z.strictObject({ type: z.enum([...SCALAR_TYPES, 'string_list']), ...paramFields });
export type ParamSpec = z.infer<typeof toolParamSpec>;

const queryFields = {
  description: z.string().min(1),
  sql: z.string().min(1),
  max_rows: z.number().int().positive().optional(),
  timeout_ms: z.number().int().positive().optional(),
};
const querySpec = z.strictObject({ ...queryFields, params: z.record(identifier, toolParamSpec).default({}) });
const namedQuerySpec = z.strictObject({
  ...queryFields,
  params: z.record(identifier, namedParamSpec).default({}),
});
export type QuerySpec = z.infer<typeof querySpec>;

export const warehouseConfigSchema = z.strictObject({
  statement_timeout_ms: z.number().int().positive().default(5000),
  max_rows: z.number().int().positive().default(1000),
  tools: z.strictObject({
    list_accounts: querySpec,
    account_usage: querySpec,
    /**
     * get_accounts_usage in one query: `:domains` (a string_list) and `:days`, one row per domain
     * found. Without it, get_accounts_usage runs account_usage once per domain.
     */
    accounts_usage: querySpec.optional(),
  }),
  queries: z.record(identifier, namedQuerySpec).default({}),
});
export type WarehouseConfig = z.infer<typeof warehouseConfigSchema>;

export const DEMO_CONFIG_PATH = new URL('../config/demo.json', import.meta.url);

/** Placeholders: `:name`, but not the `::type` of a cast. */
const PLACEHOLDER = /(?<![:\w]):([a-z][a-z0-9_]*)/g;

export interface CompiledSql {
  text: string;
  /** Parameter names in `$1, $2, …` order. */
  order: string[];
}

/** Turns `:name` placeholders into `$n`; the same name used twice is one parameter. */
export function compileSql(sql: string): CompiledSql {
  const order: string[] = [];
  const text = sql.replace(PLACEHOLDER, (_, name: string) => {
    let index = order.indexOf(name);
    if (index === -1) index = order.push(name) - 1;
    return `$${index + 1}`;
  });
  return { text, order };
}

/** The problems of one query, each reported under the query's path so an operator can find it. */
function checkQuery(spec: QuerySpec, report: (message: string) => void) {
  const body = spec.sql.trim().replace(/;\s*$/, '');
  if (body.includes(';')) report('one statement only (found ";")');
  const used = new Set(compileSql(body).order);
  for (const param of used) if (!(param in spec.params)) report(`:${param} is used but not declared`);
  for (const param of Object.keys(spec.params))
    if (!used.has(param)) report(`${param} is declared but unused`);
}

/** The config schema with the checks between fields: placeholders, statements, parameter types. */
const checkedWarehouseConfigSchema = warehouseConfigSchema.superRefine((config, ctx) => {
  const problems: { path: string[]; message: string }[] = [];
  const report = (path: string[]) => (message: string) => problems.push({ path, message });
  for (const [name, spec] of Object.entries(config.tools)) {
    if (spec !== undefined) checkQuery(spec, report(['tools', name]));
  }
  for (const [name, spec] of Object.entries(config.queries)) checkQuery(spec, report(['queries', name]));
  // run_named_query advertises each parameter name once, with its type (see paramsInput).
  const typeOf = new Map<string, { type: string; query: string }>();
  for (const [name, spec] of Object.entries(config.queries)) {
    for (const [param, { type }] of Object.entries(spec.params)) {
      const first = typeOf.get(param);
      if (first === undefined) typeOf.set(param, { type, query: name });
      else if (first.type !== type) {
        report(['queries', name])(
          `${param} is a ${type} here but a ${first.type} in queries.${first.query}; one name, one type`,
        );
      }
    }
  }
  for (const { path, message } of problems) ctx.addIssue({ code: 'custom', path, message });
});

/** Parses and checks a warehouse config; every problem is reported at once. */
export function parseWarehouseConfig(raw: unknown, source: string): WarehouseConfig {
  return parseJsonSettings(raw, checkedWarehouseConfigSchema, 'warehouse config', source);
}

/** Reads a config file; the demo config when no path is given. */
export function loadWarehouseConfig(path: string | URL = DEMO_CONFIG_PATH): WarehouseConfig {
  return readJsonSettingsFile(path, checkedWarehouseConfigSchema, 'warehouse config');
}
