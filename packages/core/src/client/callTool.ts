import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { ProtocolError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { toolErrorEnvelopeSchema } from '../gate/CompiledTool.ts';
import { META_ATTEMPT, META_CALL_ID, META_REPLAYED } from '../gate/toCallToolResult.ts';
import type { AnyToolContract, ToolArguments, ToolValue } from '../tool/toolContract.ts';

/**
 * Why a call did not answer a value. `code` is one of the gate's codes (`ERROR_CODE_LIST`) when
 * the server classified the failure, or a client-side one: `protocol_error` (the server refused the
 * request itself: unknown tool, malformed params — a caller bug, terminal), `timeout` (no answer
 * before the request timeout, retryable) or `upstream_contract_violation` (the server answered
 * outside the tool's contract — a version skew between client and server, terminal).
 */
export interface ToolCallError {
  code: string;
  retryable: boolean;
  retry_after_ms?: number | undefined;
  message: string;
  hint?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/** A call's outcome as data: the value checked against the tool's output schema, or the error. */
export type ToolOutcome<V> =
  | {
      ok: true;
      value: V;
      /** The server answered a stored result for a repeated idempotency key (`tollgate/replayed`). */
      replayed: boolean;
      /**
       * On a replay, the id of the call whose stored result this is (`tollgate/call_id`), to find
       * its call record. Ordinary results carry no id, to stay as lean as a bare server's.
       */
      callId: string | undefined;
    }
  | { ok: false; error: ToolCallError };

export interface CallToolOptions {
  /** This attempt's number (1 for the first), sent as `tollgate/attempt` so call records show retries. */
  attempt?: number;
  /** More `_meta` to send, e.g. trace context from `injectIntoMeta`. */
  meta?: Record<string, unknown>;
  /** The request timeout. Default: the SDK's (60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What `callTool` needs of a client: the SDK v2 `Client`, or anything with its `callTool`. */
export type ToolCaller = Pick<Client, 'callTool'>;

/**
 * Calls one tool and answers its outcome as data, typed by the tool's contract: the arguments are
 * checked at compile time, the value against the output schema when it arrives. A refused or failed
 * call answers `{ ok: false, error }` with the server's code, retryability and delay. It throws only
 * when no answer came at all (a broken transport, a refused credential): the connection, not the
 * call, needs attention then.
 *
 * @example
 * const outcome = await callTool(client, billing.get_invoice, { id: 'inv_1' });
 * if (outcome.ok) console.log(outcome.value.amount);
 * else if (outcome.error.retryable) retryLater(outcome.error.retry_after_ms);
 */
export async function callTool<C extends AnyToolContract>(
  client: ToolCaller,
  contract: C,
  args: ToolArguments<C>,
  options: CallToolOptions = {},
): Promise<ToolOutcome<ToolValue<C>>> {
  let result: CallToolResult;
  try {
    result = (await client.callTool(
      {
        name: contract.name,
        arguments: args as Record<string, unknown>,
        _meta: {
          ...options.meta,
          ...(options.attempt === undefined ? {} : { [META_ATTEMPT]: options.attempt }),
        },
      },
      {
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    )) as CallToolResult;
  } catch (error) {
    if (ProtocolError.isInstance(error)) {
      return failed('protocol_error', false, `${contract.name}: ${error.message}`);
    }
    if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
      return failed('timeout', true, `${contract.name} did not answer before the request timeout`);
    }
    throw error;
  }
  return outcomeOf(contract, result);
}

/** The outcome a tool result stands for, checked against the contract. */
export function outcomeOf<C extends AnyToolContract>(
  contract: C,
  result: CallToolResult,
): ToolOutcome<ToolValue<C>> {
  if (result.isError) {
    const envelope = toolErrorEnvelopeSchema.safeParse(result.structuredContent);
    if (envelope.success) return { ok: false, error: envelope.data.error };
    const text = result.content.find((block) => block.type === 'text')?.text ?? '';
    return failed(
      'upstream_contract_violation',
      false,
      `${contract.name} failed without an error envelope: ${text.slice(0, 300)}`,
    );
  }
  const parsed = contract.output.safeParse(result.structuredContent);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }));
    return {
      ok: false,
      error: {
        code: 'upstream_contract_violation',
        retryable: false,
        message:
          `${contract.name} answered outside its contract (${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}); ` +
          'the server and this client disagree on the tool’s version.',
        details: { issues },
      },
    };
  }
  const callId = result._meta?.[META_CALL_ID];
  return {
    ok: true,
    value: parsed.data as ToolValue<C>,
    replayed: result._meta?.[META_REPLAYED] === true,
    callId: typeof callId === 'string' ? callId : undefined,
  };
}

function failed(code: string, retryable: boolean, message: string): { ok: false; error: ToolCallError } {
  return { ok: false, error: { code, retryable, message } };
}
