import { execFile } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './Database.ts';
import { lockDataDir } from './dataDirLock.ts';
import { pgliteWasmModule, type WasmCompiler } from './pgliteWasm.ts';
import { RESTORING, restoreSnapshot, UnsupportedSnapshotError } from './restoreSnapshot.ts';

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);

function wrap(target: PGlite | Transaction): Queryable {
  return {
    async query<T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []) {
      const result = await target.query<T>(sql, params as unknown[]);
      return { rows: result.rows, affected: result.affectedRows ?? 0 } satisfies QueryResult<T>;
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  };
}

/** Empty but for its lock, and for what a snapshot being unpacked there left when its process died. */
async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).every((name) => name === '.tollgate.lock' || name === RESTORING);
  } catch {
    return true;
  }
}

export interface PgliteOptions {
  /** The data directory; created if missing. Omit for an in-memory database. */
  dataDir?: string;
  /**
   * Start a new database (in memory, or in an empty `dataDir`) from this tarball of an initialised,
   * empty one. PGlite's first open runs initdb, which takes seconds; loading a snapshot, a fraction.
   */
  snapshot?: string;
  /**
   * Take the data directory's lock here, and release it at close. Default true; false when the
   * caller took it already (a server locks its directory at start and opens the store on first use).
   */
  lock?: boolean;
  /**
   * Postgres `shared_buffers`. Default `16MB` (Postgres's own default is 128MB): PGlite touches all
   * of it at open, so it is resident for life. Measured on a server's store: 128MB → 16MB takes a
   * just-opened database from ~288 to ~174 MB RSS, and ~333 to ~205 MB after some writes and
   * catalogue reads, with no measurable change in per-statement time on stores of a few MB (the
   * OS page cache serves what the buffers do not hold). Raise it for a large embedded store.
   */
  sharedBuffers?: string;
  /**
   * How V8 compiles PGlite's WebAssembly. Default `baseline` (Liftoff alone, see `pgliteWasmModule`):
   * ~40-60 MB less resident memory for the life of the process and a faster open; `optimizing` is
   * V8's default (hot functions recompiled by TurboFan), ~10-20% faster per statement once warm.
   */
  wasmCompiler?: WasmCompiler;
}

/**
 * Start parameters for PGlite: its own defaults plus ours. PGlite replaces its defaults (single-user
 * mode among them) with any `startParams` given, and without them it never starts; so where this
 * version does not expose them, nothing is passed and Postgres's defaults apply.
 */
function startParams(defaults: unknown, sharedBuffers: string): { startParams?: string[] } {
  if (!Array.isArray(defaults) || !defaults.every((param) => typeof param === 'string')) return {};
  if (!/^\d+(kB|MB|GB)$/.test(sharedBuffers)) {
    throw new Error(`sharedBuffers must be a size like 16MB, got "${sharedBuffers}".`);
  }
  return { startParams: [...defaults, '-c', `shared_buffers=${sharedBuffers}`] };
}

/**
 * Writes an initialised, empty database as a tarball that `snapshot` can start from.
 *
 * initdb runs in a short-lived child process: inside WASM it touches about 1 GB, and a process
 * keeps that as its peak RSS for life — the orchestrator's peak was twice its steady state before.
 */
export async function writePgliteSnapshot(path: string): Promise<void> {
  const script = [
    `const { PGlite } = await import(${JSON.stringify(pathToFileURL(require.resolve('@electric-sql/pglite')).href)});`,
    "const { writeFile } = await import('node:fs/promises');",
    'const db = await PGlite.create();',
    "const dump = await db.dumpDataDir('none');",
    'await db.close();',
    'await writeFile(process.argv[1], Buffer.from(await dump.arrayBuffer()));',
  ].join('\n');
  try {
    await execFileAsync(process.execPath, ['--input-type=module', '-e', script, path], { timeout: 120_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`Could not initialise an embedded database${stderr ? `: ${stderr}` : ''}`, {
      cause: error,
    });
  }
}

/**
 * Unpacks the snapshot into the data directory, a block at a time (see `restoreSnapshot`). Returns
 * the snapshot for PGlite to load itself, as before, only when its format is one this reader does
 * not know (a PGlite version that writes other tar headers).
 */
async function restoreOnDisk(snapshot: string, dataDir: string): Promise<Blob | undefined> {
  try {
    restoreSnapshot(snapshot, dataDir);
    return undefined;
  } catch (error) {
    if (!(error instanceof UnsupportedSnapshotError)) throw error;
    await rm(join(dataDir, RESTORING), { recursive: true, force: true });
    return new Blob([await readFile(snapshot)]);
  }
}

/**
 * Embedded Postgres (PGlite, WASM, in-process). It runs one statement at a time, so a transaction
 * holds the whole database: inside one, use only the transaction handle.
 */
export async function openPglite(options: PgliteOptions = {}): Promise<Database> {
  const { dataDir, snapshot } = options;
  let unlock = () => {};
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    if (options.lock !== false) unlock = await lockDataDir(dataDir);
  }
  let db: PGlite;
  try {
    const fresh = dataDir === undefined || (await isEmptyDir(dataDir));
    let loadDataDir: Blob | undefined;
    if (snapshot !== undefined && fresh) {
      if (dataDir !== undefined) loadDataDir = await restoreOnDisk(snapshot, dataDir);
      // In memory the data must be in the WebAssembly file system whole; a file-backed Blob at least
      // spares a copy of the tarball in this process's memory.
      else loadDataDir = await openAsBlob(snapshot);
    }
    // Imported here, not at the top: a server that has not opened its store yet has not paid for it.
    const { PGlite } = await import('@electric-sql/pglite');
    const module = await pgliteWasmModule(options.wasmCompiler ?? 'baseline');
    db = await PGlite.create({
      ...startParams(PGlite.defaultStartParams, options.sharedBuffers ?? '16MB'),
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(module === undefined ? {} : { pgliteWasmModule: module }),
      ...(loadDataDir === undefined ? {} : { loadDataDir }),
    });
  } catch (error) {
    unlock();
    throw error;
  }
  const base = wrap(db);
  return {
    kind: 'pglite',
    location: dataDir ?? 'memory://',
    query: base.query,
    exec: base.exec,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: async () => {
      try {
        await db.close();
      } finally {
        unlock();
      }
    },
  };
}
