import type { ToolError } from '../errors/ToolError.ts';
import type { Redactor } from '../redact/Redactor.ts';
import type { Queryable } from '../store/Database.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { RecordWriter } from '../telemetry/recordWriter.ts';
import type { Principal } from '../tool/defineTool.ts';
import type { CompiledTool } from './CompiledTool.ts';
import type { Step } from './compose.ts';

/** The state of one tools/call as it passes the gate. Steps fill in what they learn. */
export interface CallContext {
  readonly server: string;
  readonly tool: CompiledTool;
  readonly callId: string;
  readonly principal: Principal;
  readonly rawArgs: Record<string, unknown>;
  /** `_meta` of the request, as sent by the client. */
  readonly meta: Readonly<Record<string, unknown>>;
  readonly attempt: number;
  /** Aborted when the client cancels the request. */
  readonly signal: AbortSignal;
  /** Handed to the handler; scrubs configured secrets from whatever it logs. */
  readonly logger: Logger;
  /** Writes the call record, which the record step has already redacted. */
  readonly records: RecordWriter;
  readonly timeoutMs: number;
  /** Scrubs configured secrets; the input step adds this call's sensitive argument values. */
  redactor: Redactor;
  scope: 'granted' | 'denied' | 'unchecked';
  /** Parsed input, set by the input step. */
  input: Record<string, unknown> | undefined;
  /** True when the idempotency step answered from a stored result. */
  replayed: boolean;
  /** True when this call took over an expired key: look for the effect before making it again. */
  recovering: boolean;
  /** The trace this call's span belongs to, when tracing is on (logged with the record). */
  traceId?: string | undefined;
  /** The transaction a create's effect and its idempotency record commit in, when the server has a store. */
  tx: Queryable | undefined;
  /** A batch tool's items, set by the batch input step (see `defineBatchTool`). */
  batch?: BatchItem[] | undefined;
}

/** One item of a batch call as it passes the gate. */
export interface BatchItem {
  /** The parsed arguments; undefined when the item was invalid (its outcome says why). */
  input: Record<string, unknown> | undefined;
  /** Set once the item is answered: by the input step, the idempotency step or the handler. */
  outcome: Outcome | undefined;
  /** The outcome is a stored answer for a repeated key. */
  replayed: boolean;
  /** This item took over an unfinished key: look for its effect before making it again. */
  recovering: boolean;
}

export type Outcome =
  | { readonly ok: true; readonly output: Record<string, unknown> }
  | { readonly ok: false; readonly error: ToolError };

export type GateStep = Step<CallContext, Outcome>;
