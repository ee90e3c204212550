import { UpstreamContractViolationError } from '../../errors/ToolError.ts';
import type { GateStep, Outcome } from '../CallContext.ts';
import { summarizeIssues } from './input.ts';

/** Checks the handler's result against the output schema; nothing half-valid leaves the server. */
export const outputStep: GateStep = (ctx, next) =>
  next().then((outcome): Outcome => {
    if (!outcome.ok) return outcome;
    const parsed = ctx.tool.definition.output.safeParse(outcome.output);
    if (parsed.success) return { ok: true, output: parsed.data };
    const issues = summarizeIssues(parsed.error.issues);
    return {
      ok: false,
      error: new UpstreamContractViolationError(
        `${ctx.tool.definition.name} produced a result that does not match its output schema.`,
        { details: { issues } },
      ),
    };
  });
