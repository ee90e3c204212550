import { UpstreamContractViolationError } from '@tollgate/core';
import * as z from 'zod';

/** A number the warehouse may return as a string (bigint, numeric) or null. */
export const count = z.coerce.number().int();
export const nullableNumber = z.preprocess(
  (v) => (v === null || v === undefined ? null : Number(v)),
  z.number().nullable(),
);
export const nullableString = z.string().nullable();

/**
 * Checks what a configured query returned against the shape its tool promises. An operator's SQL
 * that returns other columns is a broken contract, reported as such, never passed on half-valid.
 */
export function parseRows<T extends z.ZodType>(
  schema: T,
  rows: readonly unknown[],
  query: string,
): z.output<T>[] {
  const parsed = z.array(schema).safeParse(rows);
  if (parsed.success) return parsed.data;
  throw new UpstreamContractViolationError(
    `The configured query ${query} returned rows of the wrong shape.`,
    {
      hint: 'Ask the operator to fix the query in the warehouse config.',
      details: {
        issues: parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message })),
      },
    },
  );
}
