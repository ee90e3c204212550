import { readFileSync } from 'node:fs';
import * as z from 'zod';

const identifier = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _');
/** What a query name may be, as clients see it in run_named_query's input schema. */
export const queryName = identifier;

const paramSpec = z.strictObject({
  type: z.enum(['string', 'integer', 'number', 'boolean', 'date']),
  description: z.string().min(1),
  required: z.boolean().optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  max_length: z.number().int().positive().optional(),
  enum: z.array(z.string()).min(1).optional(),
});
export type ParamSpec = z.infer<typeof paramSpec>;

const querySpec = z.strictObject({
  description: z.string().min(1),
  sql: z.string().min(1),
  params: z.record(identifier, paramSpec).default({}),
  max_rows: z.number().int().positive().optional(),
  timeout_ms: z.number().int().positive().optional(),
});
export type QuerySpec = z.infer<typeof querySpec>;

export const warehouseConfigSchema = z.strictObject({
  statement_timeout_ms: z.number().int().positive().default(5000),
  max_rows: z.number().int().positive().default(1000),
  tools: z.strictObject({ list_accounts: querySpec, account_usage: querySpec }),
  queries: z.record(identifier, querySpec).default({}),
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

/** A problem in the config, reported with the query's name so an operator can find it. */
function checkQuery(name: string, spec: QuerySpec, problems: string[]) {
  const body = spec.sql.trim().replace(/;\s*$/, '');
  if (body.includes(';')) problems.push(`${name}: one statement only (found ";")`);
  const used = new Set(compileSql(body).order);
  for (const param of used)
    if (!(param in spec.params)) problems.push(`${name}: :${param} is used but not declared`);
  for (const param of Object.keys(spec.params))
    if (!used.has(param)) problems.push(`${name}: ${param} is declared but unused`);
}

/** Parses and checks a warehouse config; every problem is reported at once. */
export function parseWarehouseConfig(raw: unknown, source: string): WarehouseConfig {
  const parsed = warehouseConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Warehouse config ${source} is invalid:\n  - ${issues.join('\n  - ')}`);
  }
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(parsed.data.tools)) checkQuery(`tools.${name}`, spec, problems);
  for (const [name, spec] of Object.entries(parsed.data.queries))
    checkQuery(`queries.${name}`, spec, problems);
  // run_named_query advertises each parameter name once, with its type (see paramsInput).
  const typeOf = new Map<string, { type: string; query: string }>();
  for (const [name, spec] of Object.entries(parsed.data.queries)) {
    for (const [param, { type }] of Object.entries(spec.params)) {
      const first = typeOf.get(param);
      if (first === undefined) typeOf.set(param, { type, query: name });
      else if (first.type !== type) {
        problems.push(
          `queries.${name}: ${param} is a ${type} here but a ${first.type} in queries.${first.query}; one name, one type`,
        );
      }
    }
  }
  if (problems.length > 0)
    throw new Error(`Warehouse config ${source} is invalid:\n  - ${problems.join('\n  - ')}`);
  return parsed.data;
}

/** Reads a config file; the demo config when no path is given. */
export function loadWarehouseConfig(path?: string): WarehouseConfig {
  const location = path ?? DEMO_CONFIG_PATH;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(location, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read warehouse config ${String(location)}: ${(error as Error).message}`);
  }
  return parseWarehouseConfig(raw, String(location));
}
