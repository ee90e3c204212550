import type { CallToolResult } from '@modelcontextprotocol/server';
import type { ToolError } from '../errors/ToolError.ts';
import type { Redactor } from '../redact/Redactor.ts';
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

/**
 * The wire form of an outcome: structured data plus a text rendering for clients that read only
 * text. Redaction happens on the data, before it is rendered, so no secret survives as escaped JSON.
 */
export function toCallToolResult(
  outcome: Outcome,
  callId: string,
  replayed: boolean,
  redactor: Redactor,
): CallToolResult {
  const _meta = { [META_CALL_ID]: callId, [META_REPLAYED]: replayed };
  if (outcome.ok) {
    const output = redactor.value(outcome.output);
    return { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: output, _meta };
  }
  const envelope = redactor.value(errorEnvelope(outcome.error));
  const { code, message, hint, retry_after_ms } = envelope.error;
  const wait = retry_after_ms === undefined ? '' : ` Retry after ${retry_after_ms} ms.`;
  return {
    isError: true,
    content: [{ type: 'text', text: `${code}: ${message}${wait}\nHint: ${hint}` }],
    structuredContent: envelope,
    _meta,
  };
}
