import { AssertionError } from 'node:assert';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { ERROR_CODES, type ErrorCode } from '@tollgate/core';
import { META_REPLAYED, type ToolErrorEnvelope, toolErrorEnvelopeSchema } from '@tollgate/core/client';

export type ToolResult = Pick<CallToolResult, 'content' | 'structuredContent' | 'isError' | '_meta'>;
export type ErrorFields = ToolErrorEnvelope['error'];

/** Fails the case with a message naming the tool and what it answered. */
export function fail(where: string, message: string, result?: ToolResult): never {
  const answered = result === undefined ? '' : `\n  answered: ${textOf(result).slice(0, 600)}`;
  throw new AssertionError({ message: `${where}: ${message}${answered}` });
}

/** The first text content: all that clients such as Claude Code show the model. */
export function textOf(result: ToolResult): string {
  const first = result.content?.[0];
  return first !== undefined && first.type === 'text' ? first.text : '';
}

/**
 * Checks that a result is the error `code` with the code table's retryability, in the envelope and
 * in the text the model reads (`Error <code>: retryable=… [retry_after_ms=…]`), and returns it.
 */
export function expectError(where: string, result: ToolResult, code: ErrorCode): ErrorFields {
  const error = errorOf(where, result);
  if (error.code !== code) fail(where, `expected ${code}, got ${error.code}`, result);
  return error;
}

/** As `expectError`, for any retryable code: what a caller may try again. */
export function expectRetryable(where: string, result: ToolResult): ErrorFields {
  const error = errorOf(where, result);
  if (!error.retryable) fail(where, `expected a retryable error, got terminal ${error.code}`, result);
  return error;
}

export function errorOf(where: string, result: ToolResult): ErrorFields {
  if (result.isError !== true) fail(where, 'expected an error result, got a success', result);
  const parsed = toolErrorEnvelopeSchema.safeParse(result.structuredContent);
  if (!parsed.success) fail(where, 'the error carries no Tollgate error envelope', result);
  const { error } = parsed.data;
  const retryable = ERROR_CODES[error.code as ErrorCode].retryable;
  if (error.retryable !== retryable) fail(where, `${error.code} must have retryable=${retryable}`, result);
  const text = textOf(result);
  const decision = `Error ${error.code}: retryable=${retryable}`;
  if (!text.startsWith(decision)) fail(where, `the text does not begin "${decision}"`, result);
  if (error.retry_after_ms !== undefined && !text.includes(`retry_after_ms=${error.retry_after_ms}`)) {
    fail(where, `the text does not carry retry_after_ms=${error.retry_after_ms}`, result);
  }
  return error;
}

/** Checks a success and returns its structured content. */
export function expectSuccess(where: string, result: ToolResult): unknown {
  if (result.isError === true) fail(where, 'expected a success, got an error', result);
  if (result.structuredContent === undefined) fail(where, 'the success carries no structuredContent', result);
  let parsed: unknown;
  try {
    parsed = JSON.parse(textOf(result));
  } catch {
    fail(where, 'the text is not the structured result as JSON', result);
  }
  if (canonical(parsed) !== canonical(result.structuredContent)) {
    fail(where, 'the text does not carry the structured result', result);
  }
  return result.structuredContent;
}

export function isReplayed(result: ToolResult): boolean {
  return result._meta?.[META_REPLAYED] === true;
}

/** JSON with every object's keys sorted: equal for equal values, whatever order a store kept. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
