import type * as z from 'zod';
import { InvalidInputError } from '../../errors/ToolError.ts';
import { maskFields } from '../../redact/maskFields.ts';
import type { GateStep } from '../CallContext.ts';

export interface IssueSummary {
  path: string;
  message: string;
}

export function summarizeIssues(issues: readonly z.core.$ZodIssue[]): IssueSummary[] {
  return issues.map((issue) => ({
    path: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** Parses the arguments; a failure names each bad field so the model can correct its call. */
export const inputStep: GateStep = async (ctx, next) => {
  const { definition, sensitivePaths } = ctx.tool;
  // Sensitive values must be scrubbed from whatever this call emits, valid input or not.
  ctx.redactor = ctx.redactor.with(maskFields(ctx.rawArgs, sensitivePaths).hidden);
  const parsed = definition.inputSchema.safeParse(ctx.rawArgs);
  if (!parsed.success) {
    const issues = summarizeIssues(parsed.error.issues);
    const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    return {
      ok: false,
      error: new InvalidInputError(`Invalid arguments for ${definition.name}: ${list}`, {
        details: { issues },
      }),
    };
  }
  ctx.input = parsed.data;
  return next();
};
