/**
 * `@tollgate/core/settings`: what a server's own settings become once its entry point has read them
 * (the store they choose, the scopes they grant), and the one reader of JSON settings files.
 * Nothing here reads the environment: the `tollgate` command does, and passes values in.
 */
export { parseScopes } from './parseScopes.ts';
export { parseJsonSettings, readJsonSettingsFile } from './readJsonSettingsFile.ts';

import type { Database } from '../store/Database.ts';
import { openDatabaseOnUse } from '../store/openDatabase.ts';

export interface ServerStoreSettings {
  /** The prefix of the settings that chose the store (`CRM`), named in the hint of a store error. */
  prefix?: string;
  /** A Postgres server; the embedded database when unset. */
  databaseUrl?: string | undefined;
  /** The embedded database's directory. Default: `<home>/<name>/pgdata`. */
  dataDir?: string | undefined;
  /** Where embedded data lives (`TOLLGATE_HOME`). */
  home?: string | undefined;
}

/**
 * The store a server's settings describe: a Postgres server by URL, else embedded PGlite. It opens
 * on first use (see `openDatabaseOnUse`); the embedded database's directory is locked now.
 */
export function openServerDatabase(name: string, settings: ServerStoreSettings): Promise<Database> {
  const prefix = settings.prefix ?? name.toUpperCase();
  return openDatabaseOnUse({
    name,
    url: settings.databaseUrl,
    dataDir: settings.dataDir,
    ...(settings.home === undefined ? {} : { home: settings.home }),
    settings: {
      url: `${prefix}_DATABASE_URL (or DATABASE_URL)`,
      dataDir: `${prefix}_DATA_DIR or TOLLGATE_HOME`,
    },
  });
}
