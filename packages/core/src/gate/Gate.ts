import { randomUUID } from 'node:crypto';
import {
  type CallToolResult,
  ProtocolError,
  ProtocolErrorCode,
  type Tool,
} from '@modelcontextprotocol/server';
import type { Redactor } from '../redact/Redactor.ts';
import type { Logger } from '../telemetry/logger.ts';
import { type RecordWriter, recordWriter } from '../telemetry/recordWriter.ts';
import type { Principal, ToolDefinition } from '../tool/defineTool.ts';
import type { CallContext, GateStep, Outcome } from './CallContext.ts';
import { type CompiledTool, compileTool } from './CompiledTool.ts';
import { compose } from './compose.ts';
import { batchExecuteStep, batchInputStep } from './steps/batch.ts';
import { executeStep } from './steps/execute.ts';
import { inputStep } from './steps/input.ts';
import { outputStep } from './steps/output.ts';
import { recordStep } from './steps/record.ts';
import { scopeStep } from './steps/scope.ts';
import { META_ATTEMPT, toCallToolResult } from './toCallToolResult.ts';

export interface GateOptions {
  server: string;
  tools: readonly ToolDefinition[];
  /** For handlers: redacts configured secrets itself. */
  logger: Logger;
  /** For call records, which the record step redacts with the call's own redactor. */
  recordLogger: Logger;
  redactor: Redactor;
  defaultTimeoutMs: number;
  /** Server-enforced idempotency (see `serverIdempotency`): required when any tool is a `create`. */
  idempotency?: GateStep;
}

export interface CallRequest {
  name: string;
  arguments?: Record<string, unknown> | undefined;
  meta?: Record<string, unknown> | undefined;
  principal: Principal;
  /**
   * The client's cancellation signal, or a function returning it: the SDK creates the signal on
   * first read, and most calls never need it.
   */
  signal?: AbortSignal | (() => AbortSignal) | undefined;
}

/** Where no tool is a create, no call has a key to enforce. */
const passThrough: GateStep = (_ctx, next) => next();

/**
 * The gate every tool call passes, in order: record (outermost) → scope → input → idempotency
 * → output check → execute. The output check wraps execute, so it runs on the way back. A batch
 * tool's call passes record → scope → batch input (each item parsed) → idempotency (each item's key)
 * → batch execute (the handler on the items left, each value checked).
 */
export class Gate {
  readonly #options: GateOptions;
  /** Writes call records through the record logger (see recordWriter). */
  readonly #records: RecordWriter;
  readonly #tools: ReadonlyMap<string, CompiledTool>;
  readonly #run: (ctx: CallContext) => Promise<Outcome>;
  readonly #runBatch: (ctx: CallContext) => Promise<Outcome>;
  readonly #listings = new Map<string, Tool[]>();

  constructor(options: GateOptions) {
    const creates = options.tools.filter((tool) => tool.kind === 'create').map((tool) => tool.name);
    if (creates.length > 0 && options.idempotency === undefined) {
      // createServer always gives one; a gate built by hand must not drop the guarantee silently.
      throw new Error(
        `${options.server}: ${creates.join(', ')} ${creates.length === 1 ? 'is a create tool' : 'are create tools'}, ` +
          'and create tools need server-enforced idempotency keys: give the gate an idempotency step.',
      );
    }
    this.#options = options;
    this.#records = recordWriter(options.recordLogger);
    this.#tools = new Map(options.tools.map((tool) => [tool.name, compileTool(tool)]));
    this.#run = compose<CallContext, Outcome>([
      recordStep,
      scopeStep,
      inputStep,
      options.idempotency ?? passThrough,
      outputStep,
      executeStep,
    ]);
    // A batch tool checks and answers each item itself (see defineBatchTool).
    this.#runBatch = compose<CallContext, Outcome>([
      recordStep,
      scopeStep,
      batchInputStep,
      options.idempotency ?? passThrough,
      batchExecuteStep,
    ]);
  }

  /** The tools this principal may call; the others are not even listed. */
  list(principal: Principal): Tool[] {
    const key = [...principal.scopes].sort().join(' ');
    let listing = this.#listings.get(key);
    if (listing === undefined) {
      listing = [...this.#tools.values()]
        .filter((tool) => tool.definition.scopes.every((scope) => principal.scopes.has(scope)))
        .map((tool) => tool.listing);
      this.#listings.set(key, listing);
    }
    return listing;
  }

  /** The scopes a tool declares; undefined when this server has no such tool. */
  requiredScopes(name: string): readonly string[] | undefined {
    return this.#tools.get(name)?.definition.scopes;
  }

  /** Runs one call through the gate. An unknown tool is a protocol error, not a tool result. */
  async call(request: CallRequest): Promise<CallToolResult> {
    const tool = this.#tools.get(request.name);
    if (tool === undefined) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${request.name}`);
    }
    const call = new Call(this.#options, this.#records, tool, request);
    const outcome = await (tool.definition.batch === undefined ? this.#run(call) : this.#runBatch(call));
    return toCallToolResult(outcome, call.callId, call.replayed, call.redactor);
  }
}

const NEVER_ABORTED = new AbortController().signal;
const NO_META: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The context of one call. A class rather than an object literal: the literal's `signal` getter
 * made V8 build each context as a slow, dictionary-backed object, on every call.
 */
class Call implements CallContext {
  readonly server: string;
  readonly tool: CompiledTool;
  readonly callId = randomUUID();
  readonly principal: Principal;
  readonly rawArgs: Record<string, unknown>;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly attempt: number;
  readonly logger: Logger;
  readonly records: RecordWriter;
  readonly timeoutMs: number;
  redactor: Redactor;
  scope: CallContext['scope'] = 'unchecked';
  input: Record<string, unknown> | undefined = undefined;
  replayed = false;
  recovering = false;
  traceId: string | undefined = undefined;
  tx: CallContext['tx'] = undefined;
  batch: CallContext['batch'] = undefined;
  readonly #signal: CallRequest['signal'];

  constructor(options: GateOptions, records: RecordWriter, tool: CompiledTool, request: CallRequest) {
    this.server = options.server;
    this.tool = tool;
    this.principal = request.principal;
    this.rawArgs = request.arguments ?? {};
    this.meta = request.meta ?? NO_META;
    this.attempt = attemptOf(this.meta[META_ATTEMPT]);
    this.logger = options.logger;
    this.records = records;
    this.timeoutMs = options.defaultTimeoutMs;
    this.redactor = options.redactor;
    this.#signal = request.signal;
  }

  get signal(): AbortSignal {
    const signal = this.#signal;
    return signal === undefined ? NEVER_ABORTED : typeof signal === 'function' ? signal() : signal;
  }
}

function attemptOf(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : 1;
}
