import type * as z from 'zod';
import { InvalidInputError } from '../../errors/ToolError.ts';
import { maskFields } from '../../redact/maskFields.ts';
import type { GateStep, Outcome } from '../CallContext.ts';

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

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Any surrogate at all: a quick scan, so the exact test above runs only on text that has some. */
const SURROGATE = /[\uD800-\uDFFF]/;
const storable = (text: string) =>
  !text.includes('\0') && !(SURROGATE.test(text) && LONE_SURROGATE.test(text));

/** True when no string in the value (keys included) is unstorable: the check every call passes. */
function allStorable(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return storable(value);
  if (value === null || typeof value !== 'object') return true;
  // Nesting this deep is looked at by the walk below, which has no limit either.
  if (depth > 64) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!allStorable(item, depth + 1)) return false;
    return true;
  }
  for (const key of Object.keys(value)) {
    if (!storable(key) || !allStorable((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/**
 * Strings no store keeps as sent, found anywhere in the arguments (keys included): a NUL character,
 * which Postgres text cannot hold (the insert fails deep in a handler), and an unpaired UTF-16
 * surrogate, which becomes U+FFFD on the way to UTF-8, so two different keys would collide as one.
 * Both are refused for every tool, before its schema runs, as the caller's mistake.
 */
export function unstorableStrings(
  value: unknown,
  path: string[] = [],
  found: IssueSummary[] = [],
): IssueSummary[] {
  // Arguments are checked on every call and nearly always pass: only a failing value is walked
  // again to name where each bad string is.
  if (path.length === 0 && found.length === 0 && allStorable(value, 0)) return found;
  return findUnstorable(value, path, found);
}

function findUnstorable(value: unknown, path: string[], found: IssueSummary[]): IssueSummary[] {
  if (found.length >= 10) return found;
  const where = () => (path.length === 0 ? '(root)' : path.join('.'));
  if (typeof value === 'string') {
    if (value.includes('\0')) found.push({ path: where(), message: 'Contains a NUL character (U+0000)' });
    else if (LONE_SURROGATE.test(value)) {
      found.push({
        path: where(),
        message: 'Contains an unpaired UTF-16 surrogate; send well-formed Unicode',
      });
    }
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) findUnstorable(item, [...path, String(index)], found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (!storable(key)) {
        found.push({
          path: [...path, JSON.stringify(key)].join('.'),
          message: 'A key that is not well-formed text',
        });
      } else findUnstorable(item, [...path, key], found);
    }
  }
  return found;
}

/** The refusal of arguments that failed their checks, naming each issue. */
export function refuse(name: string, issues: IssueSummary[]): Outcome {
  const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return {
    ok: false,
    error: new InvalidInputError(`Invalid arguments for ${name}: ${list}`, { details: { issues } }),
  };
}

/**
 * Parses the arguments; a failure names each bad field so the model can correct its call. Not an
 * async function: the step hands on `next()`'s promise as it is, without wrapping it in another.
 */
export const inputStep: GateStep = (ctx, next) => {
  const { definition, sensitivePaths } = ctx.tool;
  // Sensitive values must be scrubbed from whatever this call emits, valid input or not.
  if (sensitivePaths.length > 0) {
    ctx.redactor = ctx.redactor.with(maskFields(ctx.rawArgs, sensitivePaths).hidden);
  }
  const unstorable = unstorableStrings(ctx.rawArgs);
  if (unstorable.length > 0) return Promise.resolve(refuse(definition.name, unstorable));
  const parsed = definition.argumentsSchema.safeParse(ctx.rawArgs);
  if (!parsed.success) {
    return Promise.resolve(refuse(definition.name, summarizeIssues(parsed.error.issues)));
  }
  ctx.input = parsed.data;
  return next();
};
