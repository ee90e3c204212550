import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as z from 'zod';

/**
 * Parses a settings document already read (`what` such as "scoring config", `source` the file it
 * came from) with its schema. A failure is one error naming the file and, for every issue, the JSON
 * path of the field and what is wrong with it, so all of them can be fixed in one go.
 */
export function parseJsonSettings<S extends z.ZodType>(
  raw: unknown,
  schema: S,
  what: string,
  source: string,
): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${jsonPath(issue.path)}: ${issue.message}`);
  throw new Error(
    `${capitalize(what)} ${source} is invalid:\n  - ${issues.join('\n  - ')}\n` +
      `Fix ${issues.length === 1 ? 'this field' : 'these fields'} in ${source} and start again.`,
  );
}

/**
 * Reads a JSON settings file and parses it with `schema` (see `parseJsonSettings`). A file that
 * cannot be read or is not JSON is an error naming `what` and the file, with the reason.
 *
 * @example readJsonSettingsFile('nightly.json', nightlyConfigSchema, 'nightly config')
 */
export function readJsonSettingsFile<S extends z.ZodType>(
  path: string | URL,
  schema: S,
  what: string,
): z.output<S> {
  const source = path instanceof URL ? fileURLToPath(path) : path;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read ${what} ${source}: ${(error as Error).message}`);
  }
  return parseJsonSettings(raw, schema, what, source);
}

/** `servers.crm.concurrency`, `fit.employee_count[1].min`; `(root)` for the document itself. */
function jsonPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '(root)' : text;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
