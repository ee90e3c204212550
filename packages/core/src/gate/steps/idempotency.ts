import type { GateStep } from '../CallContext.ts';

/**
 * Where server-enforced idempotency plugs in: a step that may answer from a stored result
 * (setting `ctx.replayed`), refuse a reused key, or run the rest of the chain and store its outcome.
 * Without a store it passes every call through.
 */
export function idempotencyStep(hook?: GateStep): GateStep {
  return hook ?? ((_ctx, next) => next());
}
