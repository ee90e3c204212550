import { ForbiddenError } from '../../errors/ToolError.ts';
import type { GateStep } from '../CallContext.ts';

/** Default deny: the caller must hold every scope the tool declares. */
export const scopeStep: GateStep = async (ctx, next) => {
  const required = ctx.tool.definition.scopes;
  const missing = required.filter((scope) => !ctx.principal.scopes.has(scope));
  if (missing.length > 0) {
    ctx.scope = 'denied';
    return {
      ok: false,
      error: new ForbiddenError(
        `Tool ${ctx.tool.definition.name} requires scopes not granted: ${missing.join(', ')}.`,
        {
          details: { missing_scopes: missing, required_scopes: [...required] },
        },
      ),
    };
  }
  ctx.scope = 'granted';
  return next();
};
