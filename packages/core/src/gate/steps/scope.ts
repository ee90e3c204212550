import { ForbiddenError } from '../../errors/ToolError.ts';
import type { GateStep } from '../CallContext.ts';

/**
 * Default deny: the caller must hold every scope the tool declares. Not an async function: the
 * step hands on `next()`'s promise as it is, without wrapping it in another.
 */
export const scopeStep: GateStep = (ctx, next) => {
  const required = ctx.tool.definition.scopes;
  if (!required.every((scope) => ctx.principal.scopes.has(scope))) {
    const missing = required.filter((scope) => !ctx.principal.scopes.has(scope));
    ctx.scope = 'denied';
    return Promise.resolve({
      ok: false,
      error: new ForbiddenError(
        `Tool ${ctx.tool.definition.name} requires scopes not granted: ${missing.join(', ')}.`,
        {
          details: { missing_scopes: missing, required_scopes: [...required] },
        },
      ),
    });
  }
  ctx.scope = 'granted';
  return next();
};
