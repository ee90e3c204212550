import type { CallToolResult } from '@modelcontextprotocol/server';
import type { ToolError } from '../errors/ToolError.ts';
import type { Redactor } from '../redact/Redactor.ts';
import type { Outcome } from './CallContext.ts';
import type { ToolErrorEnvelope } from './CompiledTool.ts';

export const META_CALL_ID = 'tollgate/call_id';
export const META_REPLAYED = 'tollgate/replayed';
export const META_ATTEMPT = 'tollgate/attempt';

/** The error as it travels: the call id is added to its details so an operator can find the record. */
export function errorEnvelope(error: ToolError, callId: string): ToolErrorEnvelope {
  return {
    error: {
      code: error.code,
      retryable: error.retryable,
      ...(error.retryAfterMs === undefined ? {} : { retry_after_ms: error.retryAfterMs }),
      message: error.message,
      hint: error.hint,
      details: { ...error.details, call_id: callId },
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
  if (outcome.ok) {
    const output = redactor.value(outcome.output);
    const result: CallToolResult = {
      content: [{ type: 'text', text: JSON.stringify(output) }],
      structuredContent: output,
    };
    // Ordinary results stay as lean as a bare server's: every byte is parsed by the client and read by the model.
    if (replayed) result._meta = { [META_REPLAYED]: true, [META_CALL_ID]: callId };
    return result;
  }
  const _meta = { [META_CALL_ID]: callId, [META_REPLAYED]: replayed };
  const envelope = redactor.value(errorEnvelope(outcome.error, callId));
  const { code, message, hint, retry_after_ms } = envelope.error;
  const wait = retry_after_ms === undefined ? '' : ` Retry after ${retry_after_ms} ms.`;
  return {
    isError: true,
    content: [{ type: 'text', text: `${code}: ${message}${wait}\nHint: ${hint}` }],
    structuredContent: envelope,
    _meta,
  };
}
