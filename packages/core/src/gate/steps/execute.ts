import { TimeoutError } from '../../errors/ToolError.ts';
import type { GateStep } from '../CallContext.ts';

/**
 * Runs the handler with a deadline. The handler's signal aborts at the deadline or when the client
 * cancels; the gate stops waiting at that moment even if the handler ignores the signal.
 */
export const executeStep: GateStep = async (ctx) => {
  const { definition } = ctx.tool;
  const timeoutMs = definition.timeoutMs ?? ctx.timeoutMs;
  const deadline = Date.now() + timeoutMs;
  const controller = new AbortController();
  const onCancel = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onCancel, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    const fail = () =>
      reject(
        ctx.signal.aborted
          ? new TimeoutError(`${definition.name} was cancelled by the client before it finished.`)
          : new TimeoutError(`${definition.name} did not finish within ${timeoutMs} ms.`, {
              details: { timeout_ms: timeoutMs },
            }),
      );
    timer = setTimeout(() => {
      controller.abort(new Error('deadline exceeded'));
    }, timeoutMs);
    controller.signal.addEventListener('abort', fail, { once: true });
  });
  // The race below observes the rejection; this keeps a late abort from surfacing as unhandled.
  expired.catch(() => undefined);
  try {
    const output = await Promise.race([
      definition.handler(ctx.input as never, {
        callId: ctx.callId,
        principal: ctx.principal,
        signal: controller.signal,
        deadline,
        attempt: ctx.attempt,
        get logger() {
          return ctx.logger.child({ call_id: ctx.callId, tool: definition.name });
        },
      }),
      expired,
    ]);
    return { ok: true, output: output as Record<string, unknown> };
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onCancel);
  }
};
