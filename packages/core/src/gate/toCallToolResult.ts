import type { CallToolResult } from '@modelcontextprotocol/server';
import type { ToolError } from '../errors/ToolError.ts';
import type { Outcome } from './CallContext.ts';
import type { ToolErrorEnvelope } from './CompiledTool.ts';

export const META_CALL_ID = 'tollgate/call_id';
export const META_REPLAYED = 'tollgate/replayed';
export const META_ATTEMPT = 'tollgate/attempt';

export function errorEnvelope(error: ToolError): ToolErrorEnvelope {
  return {
    error: {
      code: error.code,
      retryable: error.retryable,
      ...(error.retryAfterMs === undefined ? {} : { retry_after_ms: error.retryAfterMs }),
      message: error.message,
      hint: error.hint,
      details: error.details,
    },
  };
}

/** The wire form of an outcome: structured data plus a text rendering for clients that read only text. */
export function toCallToolResult(outcome: Outcome, callId: string, replayed: boolean): CallToolResult {
  const _meta = { [META_CALL_ID]: callId, [META_REPLAYED]: replayed };
  if (outcome.ok) {
    return {
      content: [{ type: 'text', text: JSON.stringify(outcome.output) }],
      structuredContent: outcome.output,
      _meta,
    };
  }
  const { error } = outcome;
  const wait = error.retryAfterMs === undefined ? '' : ` Retry after ${error.retryAfterMs} ms.`;
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.code}: ${error.message}${wait}\nHint: ${error.hint}` }],
    structuredContent: errorEnvelope(error),
    _meta,
  };
}
