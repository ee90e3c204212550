/**
 * `@tollgate/core/settings`: the environment settings the project's own servers share, each under
 * its own prefix, and the HTTP auth settings read the same way.
 */
export { type HttpAuthSettings, httpAuthFromEnv } from '../auth/authSettings.ts';
export { parseScopes } from './parseScopes.ts';

import type { Database } from '../store/Database.ts';
import { openDatabaseOnUse } from '../store/openDatabase.ts';
import { parseScopes } from './parseScopes.ts';

export interface ServerSettings {
  /** The prefix the settings were read under (`CRM`), for messages that name a setting. */
  prefix?: string;
  grantedScopes: string[];
  databaseUrl: string | undefined;
  dataDir: string | undefined;
  principal: string | undefined;
}

/**
 * The settings every server reads from its environment, under its own prefix so servers sharing a
 * machine never share credentials: `<P>_SCOPES`, `<P>_DATABASE_URL` (else `DATABASE_URL`),
 * `<P>_DATA_DIR`, `<P>_PRINCIPAL`.
 */
export function serverSettingsFromEnv(
  prefix: string,
  scopes: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ServerSettings {
  return {
    prefix,
    grantedScopes: parseScopes(env[`${prefix}_SCOPES`], scopes, `${prefix}_SCOPES`),
    databaseUrl: env[`${prefix}_DATABASE_URL`] || env.DATABASE_URL || undefined,
    dataDir: env[`${prefix}_DATA_DIR`] || undefined,
    principal: env[`${prefix}_PRINCIPAL`] || undefined,
  };
}

/**
 * The store a server's settings describe: a Postgres server by URL, else embedded PGlite. It opens
 * on first use (see `openDatabaseOnUse`); the embedded database's directory is locked now.
 */
export function openServerDatabase(name: string, settings: ServerSettings): Promise<Database> {
  const prefix = settings.prefix ?? name.toUpperCase();
  return openDatabaseOnUse({
    name,
    url: settings.databaseUrl,
    dataDir: settings.dataDir,
    settings: {
      url: `${prefix}_DATABASE_URL (or DATABASE_URL)`,
      dataDir: `${prefix}_DATA_DIR or TOLLGATE_HOME`,
    },
  });
}
