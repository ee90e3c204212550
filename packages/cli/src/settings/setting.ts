import * as z from 'zod';

/** What `--help` and the docs say about one environment variable. */
export interface SettingInfo {
  /** The kind of value: `URL`, `ms`, `builtin \| hubspot`, `file`, `JSON`. */
  type: string;
  /** One line: what the setting does. */
  description: string;
  /** The default value, literally (`builtin`, `5000`). */
  default?: string;
  /** What happens when it is unset, in words, where that is not one value (`embedded PGlite`). */
  unset?: string;
  /** The process does not start without it. */
  required?: boolean;
  /** A credential: its value is never printed, in help, errors or logs. */
  secret?: boolean;
  /** One row stands for a family in help and docs: `TOLLGATE_<SERVER>_URL`. */
  family?: string;
  /** Settings rendered apart in the docs: `http` for the HTTP auth ones, shared by every server. */
  group?: 'http';
}

/** The information of every setting, keyed by its schema (see `settingsOf`). */
export const settingRegistry = z.registry<SettingInfo>();

/** Reports a bad value from inside a setting's parser: the message follows the variable's name. */
export type Fail = (message: string) => never;

/**
 * One environment variable: its schema reads the raw value, trimmed, with empty meaning unset
 * (as `FOO= tollgate …` intends), and `parse` turns it into the typed setting or fails with a
 * message that follows the variable's name (`is not set; …`, `must be …`).
 */
export function setting<T>(info: SettingInfo, parse: (value: string | undefined, fail: Fail) => T) {
  const schema = z
    .string()
    .optional()
    .transform((raw, ctx): T => {
      const value = raw?.trim() || undefined;
      const fail: Fail = (message) => {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      };
      return parse(value, fail);
    });
  settingRegistry.add(schema, info);
  return schema;
}

/** A process's settings: one schema over the environment, whose keys are the variable names. */
export type SettingsSchema = z.ZodObject<Record<string, z.ZodType>>;

export interface DescribedSetting extends SettingInfo {
  name: string;
}

/** Every variable a schema reads (its keys under `prefix`, when given), in order, with what help and docs say. */
export function settingsOf(schema: SettingsSchema, prefix?: string): DescribedSetting[] {
  return Object.entries(schema.shape).map(([key, field]) => {
    const info = settingRegistry.get(field);
    if (info === undefined) throw new Error(`${key} was not declared with setting()`);
    return { name: prefix === undefined ? key : `${prefix}_${key}`, ...info };
  });
}

/** The error of settings that do not parse: every problem, one per line, each naming its variable. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

/**
 * Parses the environment with a process's settings schema; with `prefix`, each key `K` of the schema
 * is the variable `<prefix>_K` (settings every server reads under its own prefix). A field's problem
 * is reported after its variable's name; a problem between settings (`path` empty) carries the names
 * itself. Values are never echoed here: messages quote a value only where its setting is not secret.
 */
export function parseSettings<S extends SettingsSchema>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
  prefix?: string,
): z.output<S> {
  const name = (key: string) => (prefix === undefined ? key : `${prefix}_${key}`);
  const input = Object.fromEntries(Object.keys(schema.shape).map((key) => [key, env[name(key)]]));
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new SettingsError(
    parsed.error.issues.map((issue) =>
      issue.path.length === 0 ? issue.message : `${name(String(issue.path[0]))} ${issue.message}`,
    ),
  );
}

// Building blocks, each a parser for `setting`.

/** Optional free text. */
export const text = (value: string | undefined) => value;

/** Required text: `what` says what it is for. */
export const required =
  (what: string) =>
  (value: string | undefined, fail: Fail): string =>
    value ?? fail(`is not set; ${what}.`);

/** An absolute URL (`http` only: http or https); `example` shows one. `quote: false` for URLs that may hold a credential. */
export const url =
  (example: string, options: { quote?: boolean; http?: boolean } = {}) =>
  (value: string | undefined, fail: Fail): string | undefined => {
    if (value === undefined) return undefined;
    const parsed = URL.canParse(value) ? new URL(value) : undefined;
    if (
      parsed === undefined ||
      (options.http && parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    ) {
      const got = options.quote === false ? '.' : `; got "${value}".`;
      return fail(`must be ${options.http ? 'an http(s)' : 'an absolute'} URL such as ${example}${got}`);
    }
    return value;
  };

/** A whole number within bounds, with a default; `unit` names what it counts. */
export const wholeNumber =
  <F extends number | undefined = undefined>(options: {
    min: number;
    max?: number;
    fallback?: F;
    unit: string;
  }) =>
  (value: string | undefined, fail: Fail): number | F => {
    if (value === undefined) return options.fallback as F;
    const parsed = Number(value);
    const { min, max } = options;
    if (!Number.isSafeInteger(parsed) || parsed < min || (max !== undefined && parsed > max)) {
      const range =
        max !== undefined ? `from ${min} to ${max}` : min === 1 ? 'above 0' : `of at least ${min}`;
      return fail(`must be a whole number of ${options.unit} ${range}; got "${value}".`);
    }
    return parsed;
  };

/** One of a few words. */
export const oneOf =
  <const W extends string>(words: readonly W[], fallback?: W) =>
  (value: string | undefined, fail: Fail): W | undefined => {
    if (value === undefined) return fallback;
    if (!(words as readonly string[]).includes(value)) {
      return fail(`must be one of ${words.join(', ')}; got "${value}".`);
    }
    return value as W;
  };

/** A list separated by commas (and, where `spaces`, by spaces): empty items dropped, repeats kept once. */
export const list =
  (options: { spaces?: boolean } = {}) =>
  (value: string | undefined): string[] | undefined => {
    const items = [
      ...new Set(
        (value ?? '')
          .split(options.spaces ? /[\s,]+/ : ',')
          .map((item) => item.trim())
          .filter(Boolean),
      ),
    ];
    return items.length === 0 ? undefined : items;
  };

/** A shape's keys under a prefix: `{ SCOPES }` under `CRM` is `{ CRM_SCOPES }`. */
export type Prefixed<P extends string, S> = { [K in keyof S & string as `${P}_${K}`]: S[K] };

/** Puts a shape of settings under a prefix (see `Prefixed`). */
export function prefixed<P extends string, S extends Record<string, z.ZodType>>(
  prefix: P,
  shape: S,
): Prefixed<P, S> {
  // Object.fromEntries cannot carry the key mapping; Prefixed states it.
  return Object.fromEntries(
    Object.entries(shape).map(([name, field]) => [`${prefix}_${name}`, field]),
  ) as Prefixed<P, S>;
}

/** The settings under a prefix with the prefix taken off: the inverse of `prefixed`. */
export function unprefixed<P extends string, T>(prefix: P, settings: Prefixed<P, T>): T {
  const start = `${prefix}_`;
  // The keys are those `prefixed` made; the mapping is Prefixed's, read backwards.
  return Object.fromEntries(
    Object.entries(settings)
      .filter(([name]) => name.startsWith(start))
      .map(([name, value]) => [name.slice(start.length), value]),
  ) as T;
}
