import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Database } from './Database.ts';
import { openPglite, writePgliteSnapshot } from './PgliteDatabase.ts';
import { openPostgres } from './PostgresDatabase.ts';

/** Where Tollgate keeps embedded data: `TOLLGATE_HOME`, else `~/.tollgate`. */
export function tollgateHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.TOLLGATE_HOME ?? join(homedir(), '.tollgate');
}

/**
 * A snapshot of an initialised, empty PGlite database under `home`, made once and loaded by every
 * new embedded database: initdb takes seconds, loading the snapshot a fraction. Written aside and
 * renamed into place, so processes starting together never read half a snapshot.
 */
export async function pgliteSnapshot(home: string): Promise<string> {
  const snapshot = join(home, '.pglite-empty.tar');
  if (existsSync(snapshot)) return snapshot;
  await mkdir(home, { recursive: true });
  const building = `${snapshot}.${process.pid}.${Date.now()}`;
  await writePgliteSnapshot(building);
  await rename(building, snapshot);
  return snapshot;
}

export interface OpenDatabaseOptions {
  /** A Postgres server URL. When set, the server is used instead of the embedded database. */
  url?: string | undefined;
  /** The embedded database's directory. Default: `<TOLLGATE_HOME>/<name>/pgdata`. */
  dataDir?: string | undefined;
  /** Names the default data directory; usually the server name. */
  name: string;
  /** `memory` keeps the embedded database in memory (tests, throwaway runs). */
  memory?: boolean;
}

/** Opens the store of one server: a Postgres server when `url` is set, else embedded PGlite. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres({ url: options.url });
  if (options.memory) return openPglite();
  const home = tollgateHome();
  const dataDir = options.dataDir ?? join(home, options.name, 'pgdata');
  return openPglite({ dataDir, snapshot: await pgliteSnapshot(home) });
}
