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
  return {
    isError: true,
    content: [{ type: 'text', text: errorText(envelope) }],
    structuredContent: envelope,
    _meta,
  };
}

/**
 * The error as the model reads it. Claude Code, LangChain and most agent frameworks hand the model only
 * a result's text, never `structuredContent`, so the text carries everything needed to act: the code,
 * whether to retry, how long to wait, and the hint. The first line is the decision, in words and as
 * `key=value` pairs, so it reads the same to a person, a model and a regular expression:
 *
 *   Error rate_limited: retryable=true retry_after_ms=4000. Retry this call after 4000 ms.
 *   Vendor rate limit reached.
 *   Hint: …
 *   call_id=…
 */
export function errorText(envelope: ToolErrorEnvelope): string {
  const { code, retryable, retry_after_ms, message, hint, details } = envelope.error;
  const decision = retryable
    ? retry_after_ms === undefined
      ? `Error ${code}: retryable=true. This call may succeed if repeated unchanged after a short backoff.`
      : `Error ${code}: retryable=true retry_after_ms=${retry_after_ms}. Retry this call after ${retry_after_ms} ms.`
    : `Error ${code}: retryable=false. Do not repeat this call unchanged; it will fail the same way.`;
  const callId = typeof details?.call_id === 'string' ? `\ncall_id=${details.call_id}` : '';
  return `${decision}\n${message}\nHint: ${hint}${callId}`;
}
