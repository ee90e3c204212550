import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseScopes } from '@tollgate/core/settings';
import type * as z from 'zod';
import { type Prefixed, prefixed, setting, text, unprefixed } from './setting.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Settings every Tollgate process reads. */
export const processShape = () => ({
  TOLLGATE_HOME: setting(
    {
      type: 'directory',
      unset: '`~/.tollgate`',
      description: 'where embedded data, logs, reports and the development issuer live',
    },
    (value) => value ?? join(homedir(), '.tollgate'),
  ),
  TOLLGATE_LOG_LEVEL: setting(
    {
      type: LOG_LEVELS.join(' | '),
      default: 'info',
      description: 'the lowest level of the JSON log lines written to stderr (call records are info)',
    },
    (value, fail) => {
      const level = value ?? 'info';
      if (!(LOG_LEVELS as readonly string[]).includes(level)) {
        return fail(`must be one of ${LOG_LEVELS.join(', ')}; got "${level}".`);
      }
      return level as (typeof LOG_LEVELS)[number];
    },
  ),
});

/** The settings of the store and identity every server reads under its prefix. */
export const serverShape = (name: string) => ({
  SCOPES: setting(
    {
      type: 'scopes',
      unset: "every scope of the server's tools",
      description: `the scopes the ${name} server grants, space- or comma-separated; an unknown one stops it`,
    },
    // Checked against the tools' scopes when the server is built (see grantedScopes).
    text,
  ),
  DATABASE_URL: setting(
    {
      type: 'URL',
      unset: '`DATABASE_URL`, else embedded PGlite',
      secret: true,
      description: `a Postgres server for the ${name} server's store`,
    },
    text,
  ),
  DATA_DIR: setting(
    {
      type: 'directory',
      unset: `\`$TOLLGATE_HOME/${name}/pgdata\``,
      description: `where the ${name} server's embedded store lives`,
    },
    text,
  ),
  PRINCIPAL: setting(
    {
      type: 'text',
      default: 'local',
      description: 'who the stdio caller is, in call records and idempotency keys',
    },
    text,
  ),
});

/** `DATABASE_URL`: the Postgres server of every server that sets no `<P>_DATABASE_URL`. */
export const sharedDatabaseShape = () => ({
  DATABASE_URL: setting(
    {
      type: 'URL',
      unset: 'embedded PGlite',
      secret: true,
      description: 'a Postgres server for every store whose own database URL is unset',
    },
    text,
  ),
});

type ServerShape = ReturnType<typeof serverShape>;
type ServerValues = z.output<z.ZodObject<ServerShape>>;
type ProcessValues = z.output<z.ZodObject<ReturnType<typeof processShape>>>;
type SharedDatabaseValues = z.output<z.ZodObject<ReturnType<typeof sharedDatabaseShape>>>;

/** Every server's settings: the process's, the shared database URL, and its own under its prefix. */
export const serverBaseShape = <P extends string>(prefix: P, name: string) => ({
  ...processShape(),
  ...sharedDatabaseShape(),
  ...prefixed(prefix, serverShape(name)),
});

export type ServerBaseSettings<P extends string> = ProcessValues &
  SharedDatabaseValues &
  Prefixed<P, ServerValues>;

/** What every server's options take from its base settings; the store is opened by `openStore`. */
export function serverBase<P extends string>(
  prefix: P,
  settings: ServerBaseSettings<P>,
  knownScopes: readonly string[],
) {
  const own = unprefixed<P, ServerValues>(prefix, settings);
  const databaseUrl = own.DATABASE_URL ?? settings.DATABASE_URL;
  return {
    grantedScopes: parseScopes(own.SCOPES, knownScopes, `${prefix}_SCOPES`),
    principal: own.PRINCIPAL,
    secrets: [databaseUrl],
    log: { level: settings.TOLLGATE_LOG_LEVEL },
    store: { prefix, databaseUrl, dataDir: own.DATA_DIR, home: settings.TOLLGATE_HOME },
  };
}
