import { TimeoutError } from '../../errors/ToolError.ts';
import type { ToolContext } from '../../tool/defineTool.ts';
import type { GateStep } from '../CallContext.ts';

/**
 * Runs the handler with a deadline. The gate stops waiting at the deadline even if the handler
 * ignores its signal. The signal aborts at the deadline or when the client cancels; it is created
 * only when the handler reads it, because an AbortController per call is a large share of the
 * gate's cost and most read handlers never use one.
 */
export const executeStep: GateStep = async (ctx) => {
  const { definition } = ctx.tool;
  const timeoutMs = definition.timeoutMs ?? ctx.timeoutMs;
  const deadline = Date.now() + timeoutMs;
  let controller: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller?.abort(new Error('deadline exceeded'));
      reject(
        new TimeoutError(`${definition.name} did not finish within ${timeoutMs} ms.`, {
          details: { timeout_ms: timeoutMs },
        }),
      );
    }, timeoutMs);
  });
  const toolContext: ToolContext = {
    callId: ctx.callId,
    principal: ctx.principal,
    deadline,
    attempt: ctx.attempt,
    get signal() {
      if (controller === undefined) {
        const own = new AbortController();
        controller = own;
        if (ctx.signal.aborted) own.abort(ctx.signal.reason);
        else ctx.signal.addEventListener('abort', () => own.abort(ctx.signal.reason), { once: true });
      }
      return controller.signal;
    },
    get logger() {
      return ctx.logger.child({ call_id: ctx.callId, tool: definition.name });
    },
  };
  try {
    const output = await Promise.race([definition.handler(ctx.input as never, toolContext), expired]);
    return { ok: true, output: output as Record<string, unknown> };
  } finally {
    clearTimeout(timer);
  }
};
