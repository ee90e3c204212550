import { TimeoutError } from '../../errors/ToolError.ts';
import type { Queryable } from '../../store/Database.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Principal, ToolContext } from '../../tool/defineTool.ts';
import type { CallContext, GateStep } from '../CallContext.ts';

/**
 * What the handler sees. The signal is created only when the handler reads it, because an
 * AbortController per call is a large share of the gate's cost and most read handlers never use one.
 */
class HandlerContext implements ToolContext {
  readonly #call: CallContext;
  #controller: AbortController | undefined;
  readonly deadline: number;

  constructor(call: CallContext, deadline: number) {
    this.#call = call;
    this.deadline = deadline;
  }

  get callId(): string {
    return this.#call.callId;
  }

  get principal(): Principal {
    return this.#call.principal;
  }

  get attempt(): number {
    return this.#call.attempt;
  }

  get logger(): Logger {
    return this.#call.logger.child({ call_id: this.#call.callId, tool: this.#call.tool.definition.name });
  }

  get db(): Queryable {
    const { tx } = this.#call;
    if (tx === undefined) {
      throw new Error(
        `${this.#call.tool.definition.name} asked for ctx.db on a server without a store: give createServer a store or migrations.`,
      );
    }
    return tx;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const own = new AbortController();
      this.#controller = own;
      const client = this.#call.signal;
      if (client.aborted) own.abort(client.reason);
      else client.addEventListener('abort', () => own.abort(client.reason), { once: true });
    }
    return this.#controller.signal;
  }

  /** Aborts the signal, if anyone holds it. */
  expire(): void {
    this.#controller?.abort(new Error('deadline exceeded'));
  }
}

/**
 * Runs the handler with a deadline. The gate stops waiting at the deadline even if the handler
 * ignores its signal; the signal aborts then, or when the client cancels.
 */
export const executeStep: GateStep = (ctx) =>
  withDeadline(ctx, (handlerContext) => invoke(ctx, handlerContext)).then((output) => ({
    ok: true,
    output: output as Record<string, unknown>,
  }));

/**
 * Runs `work` with the tool's deadline and a handler context; a late answer is ignored.
 *
 * The deadline's timer is armed only when the work is still running once the promise jobs queued
 * so far have run. No timer can fire before then, so arming it a few jobs later (for the time left,
 * not the whole timeout) changes nothing for a slow handler, and a handler that answers at once
 * (a cached read, a lookup in memory) never costs a timer: setting and clearing one takes about
 * 0.3 µs, a tenth of the gate's own time on such a call.
 */
export function withDeadline<T>(
  ctx: CallContext,
  work: (handlerContext: ToolContext) => Promise<T> | T,
): Promise<T> {
  const { definition } = ctx.tool;
  const timeoutMs = definition.timeoutMs ?? ctx.timeoutMs;
  const handlerContext = new HandlerContext(ctx, Date.now() + timeoutMs);
  let answer: Promise<T> | T;
  try {
    answer = work(handlerContext);
  } catch (error) {
    return Promise.reject(error);
  }
  // A synchronous answer is in before any deadline.
  if (!isThenable(answer)) return Promise.resolve(answer);
  const running = Promise.resolve(answer);
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    // A settled promise ignores later calls, so whichever of handler and deadline comes first wins.
    running.then(
      (output) => {
        settled = true;
        clearTimeout(timer);
        resolve(output);
      },
      (error: unknown) => {
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
    // Queued after the reaction above: when the handler had already answered, that ran first.
    queueMicrotask(() => {
      if (settled) return;
      timer = setTimeout(
        () => {
          handlerContext.expire();
          reject(
            new TimeoutError(`${definition.name} did not finish within ${timeoutMs} ms.`, {
              details: { timeout_ms: timeoutMs },
            }),
          );
        },
        Math.max(0, handlerContext.deadline - Date.now()),
      );
    });
  });
}

function isThenable<T>(value: Promise<T> | T): value is Promise<T> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The handler, or first the tool's recovery when this call took over an unfinished key. Not an
 * async function, so that a handler's own promise is handed on as it is.
 */
function invoke(ctx: CallContext, handlerContext: ToolContext): Promise<unknown> | unknown {
  const { definition } = ctx.tool;
  if (ctx.recovering && definition.recover !== undefined) return recoverFirst(ctx, handlerContext);
  return definition.handler(ctx.input as never, handlerContext);
}

async function recoverFirst(ctx: CallContext, handlerContext: ToolContext): Promise<unknown> {
  const { definition } = ctx.tool;
  const found = await definition.recover?.(ctx.input as never, handlerContext);
  if (found !== undefined) return found;
  return definition.handler(ctx.input as never, handlerContext);
}
