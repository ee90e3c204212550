import {
  ForbiddenError,
  InvalidInputError,
  TimeoutError,
  ToolError,
  UpstreamUnavailableError,
} from '@tollgate/core';
import type { Database } from '@tollgate/core/store';
import * as z from 'zod';
import { compileSql, type ParamSpec, type QuerySpec } from './config.ts';

export interface QueryLimits {
  timeoutMs: number;
  maxRows: number;
}

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
  truncated: boolean;
}

const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;

/** A zod schema for one declared parameter, so bad values are refused with the parameter's name. */
function paramSchema(spec: ParamSpec): z.ZodType {
  let schema: z.ZodType;
  switch (spec.type) {
    case 'string': {
      let s = z.string().max(spec.max_length ?? 1000);
      if (spec.enum) s = s.refine((v) => spec.enum?.includes(v), `one of ${spec.enum.join(', ')}`) as never;
      schema = s;
      break;
    }
    case 'integer':
    case 'number': {
      let n = spec.type === 'integer' ? z.number().int() : z.number();
      // An integer the query did not bound still has to fit the integer column it is compared with:
      // beyond int4 Postgres fails the statement, which would be the server's error, not the caller's.
      const min = spec.min ?? (spec.type === 'integer' ? INT4_MIN : undefined);
      const max = spec.max ?? (spec.type === 'integer' ? INT4_MAX : undefined);
      if (min !== undefined) n = n.min(min);
      if (max !== undefined) n = n.max(max);
      schema = n;
      break;
    }
    case 'boolean':
      schema = z.boolean();
      break;
    case 'string_list':
      schema = z.array(z.string().max(spec.max_length ?? 1000)).max(spec.max ?? 1000);
      break;
    case 'date':
      // Postgres has no year 0 (its input parser refuses 0000-01-01), and zod's ISO date allows it.
      schema = z.iso.date().refine((value) => value >= '0001-01-01', 'a date from 0001-01-01 on');
      break;
  }
  if (spec.default !== undefined) return schema.default(spec.default as never);
  return spec.required === false ? schema.optional() : schema;
}

/** Checks values against a query's declared parameters; unknown parameters are refused too. */
export function parseParams(
  name: string,
  spec: QuerySpec,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const shape = Object.fromEntries(Object.entries(spec.params).map(([key, p]) => [key, paramSchema(p)]));
  const parsed = z.strictObject(shape).safeParse(values);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: ['params', ...issue.path].join('.'),
    message: issue.message,
  }));
  throw new InvalidInputError(
    `Invalid params for ${name}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    { hint: 'Call list_named_queries for each parameter and its type.', details: { issues } },
  );
}

function jsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

function mapDatabaseError(error: unknown, name: string, timeoutMs: number): unknown {
  if (error instanceof ToolError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === '57014') {
    return new TimeoutError(`Query ${name} ran past its ${timeoutMs} ms statement timeout.`, {
      hint: 'Narrow the parameters (a shorter window, a smaller limit) and try again.',
      details: { timeout_ms: timeoutMs },
    });
  }
  // Data exceptions (class 22: a value out of range, a bad date, text a column type refuses) come from
  // the parameters the caller sent, which the query's declared types did not catch.
  if (typeof code === 'string' && code.startsWith('22')) {
    return new InvalidInputError(`Query ${name} refused a parameter value: ${(error as Error).message}`, {
      hint: 'Call list_named_queries for each parameter and its type, and send values in range.',
      details: { issues: [{ path: 'params', message: (error as Error).message }] },
    });
  }
  if (code === '25006') {
    return new ForbiddenError(`Query ${name} tried to write; warehouse queries are read-only.`, {
      hint: 'Ask the operator to fix the named query.',
    });
  }
  if (typeof code === 'string' && (code.startsWith('08') || code === 'ECONNREFUSED' || code === '57P01')) {
    return new UpstreamUnavailableError('The warehouse is unreachable.', { hint: 'Retry with backoff.' });
  }
  return error;
}

/**
 * Runs one named query read-only: in a READ ONLY transaction, with a statement timeout (enforced by
 * a Postgres server; the embedded database cannot interrupt a statement, so there the call's
 * deadline bounds the wait instead), and wrapped so at most `maxRows + 1` rows ever come back.
 */
export async function runQuery(
  db: Database,
  name: string,
  spec: QuerySpec,
  values: Record<string, unknown>,
  limits: QueryLimits,
): Promise<QueryResult> {
  const { text, order } = compileSql(spec.sql.trim().replace(/;\s*$/, ''));
  const maxRows = spec.max_rows ?? limits.maxRows;
  const timeoutMs = spec.timeout_ms ?? limits.timeoutMs;
  const params = order.map((param) => values[param] ?? null);
  try {
    return await db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION READ ONLY');
      if (db.kind === 'postgres') await tx.query(`SET LOCAL statement_timeout = ${Math.floor(timeoutMs)}`);
      const result = await tx.query(`SELECT * FROM (${text}) AS named_query LIMIT ${maxRows + 1}`, params);
      const rows = result.rows
        .slice(0, maxRows)
        .map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, jsonValue(value)])));
      return { columns: Object.keys(result.rows[0] ?? {}), rows, truncated: result.rows.length > maxRows };
    });
  } catch (error) {
    throw mapDatabaseError(error, name, timeoutMs);
  }
}
