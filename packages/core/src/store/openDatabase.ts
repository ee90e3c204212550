import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Database } from './Database.ts';
import { lockDataDir } from './dataDirLock.ts';
import { type LazyDatabase, lazyDatabase } from './lazyDatabase.ts';
import { openPglite, type PgliteOptions, writePgliteSnapshot } from './PgliteDatabase.ts';
import { openPostgres, redactUrl } from './PostgresDatabase.ts';

const requireHere = createRequire(import.meta.url);

/** Where Tollgate keeps embedded data: `TOLLGATE_HOME`, else `~/.tollgate`. */
export function tollgateHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.TOLLGATE_HOME ?? join(homedir(), '.tollgate');
}

/**
 * A snapshot of an initialised, empty PGlite database, loaded by every new embedded database:
 * initdb takes seconds, loading the snapshot a fraction. The installation's own when it has one
 * (see shippedPgliteSnapshot), else one under `home`, made once. Either is written aside and
 * renamed into place, so processes starting together never read half a snapshot.
 */
export async function pgliteSnapshot(home: string): Promise<string> {
  const shipped = shippedPgliteSnapshot();
  return existsSync(shipped) ? shipped : homePgliteSnapshot(home);
}

/** The snapshot kept under `home`, made there on first use when the installation has none. */
export async function homePgliteSnapshot(home: string): Promise<string> {
  const snapshot = join(home, SNAPSHOT);
  if (existsSync(snapshot)) {
    await removeAbandonedSnapshots(home);
    return snapshot;
  }
  await mkdir(home, { recursive: true });
  await removeAbandonedSnapshots(home);
  // Built in a directory of its own, locked while it is written: a process killed meanwhile leaves
  // about 40 MB behind, and the next one can tell abandoned from in progress by the lock alone.
  const building = await mkdtemp(join(home, BUILDING));
  const release = await lockDataDir(building);
  try {
    const file = join(building, SNAPSHOT);
    await writePgliteSnapshot(file);
    await rename(file, snapshot);
  } finally {
    release();
    await rm(building, { recursive: true, force: true });
  }
  return snapshot;
}

const SNAPSHOT = '.pglite-empty.tar';

/**
 * Where the installation keeps its own snapshot: `node_modules/.cache/tollgate/`, next to the PGlite
 * it was made with and named by that PGlite's version, so an upgrade never loads a stale one. The
 * build (`prepare`, run by `npm install` and `npm ci`) writes it, so no home ever pays initdb; where
 * it is missing (an install that ran no scripts), each home makes its own on first use, as above.
 */
export function shippedPgliteSnapshot(): string {
  shippedPath ??= findShippedPgliteSnapshot();
  return shippedPath;
}

let shippedPath: string | undefined;

function findShippedPgliteSnapshot(): string {
  // The package exports no package.json; its entry point sits below the package's directory.
  let pglite = dirname(requireHere.resolve('@electric-sql/pglite'));
  while (!existsSync(join(pglite, 'package.json')) && dirname(pglite) !== pglite) pglite = dirname(pglite);
  const { version } = JSON.parse(readFileSync(join(pglite, 'package.json'), 'utf8')) as { version: string };
  // <node_modules>/@electric-sql/pglite → <node_modules>/.cache/tollgate
  return join(pglite, '..', '..', '.cache', 'tollgate', `pglite-empty-${version}.tar`);
}

/** Writes the installation's snapshot unless it is there already; returns its path. */
export async function writeShippedPgliteSnapshot(): Promise<string> {
  const path = shippedPgliteSnapshot();
  if (existsSync(path)) return path;
  await mkdir(dirname(path), { recursive: true });
  const aside = `${path}.${process.pid}`;
  try {
    await writePgliteSnapshot(aside);
    await rename(aside, path);
  } finally {
    await rm(aside, { force: true });
  }
  return path;
}
const BUILDING = '.pglite-building-';

/** Deletes snapshots that killed processes left half-made: their directory's lock is free. */
async function removeAbandonedSnapshots(home: string): Promise<void> {
  const names = await readdir(home).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(home, name);
    if (name.startsWith(BUILDING)) {
      let release: () => void;
      try {
        release = await lockDataDir(path);
      } catch {
        continue; // Still being written, or already gone.
      }
      release();
      await rm(path, { recursive: true, force: true });
    } else if (/^\.pglite-empty\.tar\.\d+\.\d+$/.test(name)) {
      // Left by releases that wrote the snapshot beside its final name; only ever abandoned now.
      await rm(path, { force: true });
    }
  }
}

export interface OpenDatabaseOptions {
  /** A Postgres server URL. When set, the server is used instead of the embedded database. */
  url?: string | undefined;
  /** The embedded database's directory. Default: `<home>/<name>/pgdata`. */
  dataDir?: string | undefined;
  /** Where embedded data and the empty-database snapshot live. Default: `tollgateHome()`. */
  home?: string | undefined;
  /** Names the default data directory; usually the server name. */
  name: string;
  /** `memory` keeps the embedded database in memory (tests, throwaway runs). */
  memory?: boolean;
  /** The embedded database's `shared_buffers` (see `PgliteOptions.sharedBuffers`); default 16MB. */
  sharedBuffers?: string | undefined;
}

/** Opens the store of one server: a Postgres server when `url` is set, else embedded PGlite. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres({ url: options.url });
  const sharedBuffers = options.sharedBuffers === undefined ? {} : { sharedBuffers: options.sharedBuffers };
  if (options.memory) return openPglite(sharedBuffers);
  const home = options.home ?? tollgateHome();
  const dataDir = options.dataDir ?? join(home, options.name, 'pgdata');
  return openPglite({ dataDir, snapshot: await pgliteSnapshot(home), ...sharedBuffers });
}

export interface OpenDatabaseOnUseOptions extends OpenDatabaseOptions {
  /**
   * The settings that choose this store, named in the hint of the error a tool call gets when the
   * store cannot be opened. Default: `DATABASE_URL` and `TOLLGATE_HOME`.
   */
  settings?: { url?: string; dataDir?: string };
}

/**
 * The store of one server, opened on its first use rather than now (see `lazyDatabase`): a server
 * answers `initialize` and `tools/list` in a fraction of the time, at a fraction of the memory.
 * What must be decided at start is decided now: the embedded database's directory is locked, so a
 * second server on the same data is refused at once, with the holder named.
 */
export async function openDatabaseOnUse(options: OpenDatabaseOnUseOptions): Promise<LazyDatabase> {
  const { name } = options;
  const urlSetting = options.settings?.url ?? 'DATABASE_URL';
  if (options.url) return postgresOnUse(name, options.url, urlSetting);
  const sharedBuffers = options.sharedBuffers === undefined ? {} : { sharedBuffers: options.sharedBuffers };
  if (options.memory) return memoryPgliteOnUse(name, sharedBuffers);
  const home = options.home ?? tollgateHome();
  const dataDir = options.dataDir ?? join(home, name, 'pgdata');
  await mkdir(dataDir, { recursive: true });
  const release = await lockDataDir(dataDir);
  const dirSetting = options.settings?.dataDir ?? 'TOLLGATE_HOME';
  return lazyDatabase({
    name,
    kind: 'pglite',
    location: dataDir,
    open: async () =>
      openPglite({ dataDir, snapshot: await pgliteSnapshot(home), lock: false, ...sharedBuffers }),
    release,
    hint:
      `Check that ${dataDir} (set by ${dirSetting}) is writable, its disk has room, and it holds a ` +
      `database this version can read; retry once fixed, or set ${urlSetting} to use a Postgres server.`,
  });
}

/** A Postgres server, connected on first use; `setting` names what to check in the hint. */
export function postgresOnUse(name: string, url: string, setting = 'DATABASE_URL'): LazyDatabase {
  return lazyDatabase({
    name,
    kind: 'postgres',
    location: redactUrl(url),
    open: () => openPostgres({ url }),
    hint:
      `Check that the Postgres server named by ${setting} is running and reachable; retry with ` +
      'backoff, calls succeed once it answers. Unset it to use the embedded database instead.',
  });
}

/** Embedded PGlite in memory (keys die with the process), started on first use from the shipped snapshot when there is one. */
export function memoryPgliteOnUse(
  name: string,
  options: Pick<PgliteOptions, 'sharedBuffers'> = {},
): LazyDatabase {
  return lazyDatabase({
    name,
    kind: 'pglite',
    location: 'memory://',
    open: () => {
      const shipped = shippedPgliteSnapshot();
      return openPglite(existsSync(shipped) ? { ...options, snapshot: shipped } : options);
    },
    hint: 'The in-memory database could not start; check the memory available to the process.',
  });
}
