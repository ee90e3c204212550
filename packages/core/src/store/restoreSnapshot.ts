import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { dirname, join, sep } from 'node:path';

/** Where a snapshot is unpacked inside the data directory before its entries are moved into place. */
export const RESTORING = '.tollgate-restoring';

const BLOCK = 512;
/**
 * The snapshot is read through a buffer of this size: a 16 MB WAL segment never sits in memory whole.
 * Below glibc's default `mmap` threshold (128 KiB), so freeing it does not raise that (see `pgliteWasm.ts`).
 */
const CHUNK = 64 * 1024;

/** The snapshot holds something this reader does not unpack (a pax header, a link): PGlite's own loader is used. */
export class UnsupportedSnapshotError extends Error {}

interface Entry {
  name: string;
  type: 'file' | 'directory';
  mode: number;
  size: number;
  mtime: number;
}

const text = (block: Buffer, start: number, length: number) => {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
};

const octal = (block: Buffer, start: number, length: number) => {
  const value = text(block, start, length).trim();
  if (!/^[0-7]*$/.test(value)) throw new UnsupportedSnapshotError(`bad number field "${value}"`);
  return value === '' ? 0 : Number.parseInt(value, 8);
};

function parseHeader(block: Buffer): Entry | undefined {
  if (block.every((byte) => byte === 0)) return undefined;
  const flag = String.fromCharCode(block[156] ?? 0);
  const type = flag === '0' || flag === '\0' ? 'file' : flag === '5' ? 'directory' : undefined;
  if (type === undefined) throw new UnsupportedSnapshotError(`entry type "${flag}"`);
  // ustar keeps a prefix of long names at 345; PGlite's tar writes its times after the first 131 bytes of it.
  const ustar = text(block, 257, 6) === 'ustar';
  const prefix = ustar ? text(block, 345, 131) : '';
  const full = prefix === '' ? text(block, 0, 100) : `${prefix}/${text(block, 0, 100)}`;
  const parts = full.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0 || parts.includes('..')) throw new UnsupportedSnapshotError(`entry name "${full}"`);
  return {
    name: parts.join(sep),
    type,
    mode: octal(block, 100, 8) & 0o777,
    size: type === 'file' ? octal(block, 124, 12) : 0,
    mtime: octal(block, 136, 12),
  };
}

/**
 * Unpacks an uncompressed tarball of a data directory (as `writePgliteSnapshot` makes it) into
 * `dataDir`, reading it a chunk at a time, so that the process opening the database never holds the
 * snapshot (~40 MB) in memory. PGlite's own `loadDataDir` reads it whole, copies it, and unpacks it
 * through the WebAssembly file system: measured on the orchestrator's ledger, ~130 MB more peak RSS
 * than opening the same database already on disk. Synchronous, as PGlite's own unpacking is: a
 * thousand small files take ~0.1 s this way, and seconds through the thread pool.
 *
 * Everything is written under `<dataDir>/.tollgate-restoring` first and then moved into place with
 * `PG_VERSION`, which PGlite takes as "a database is here", last: a process killed while unpacking
 * leaves only that directory, which the next open removes and starts again.
 */
export function restoreSnapshot(snapshot: string, dataDir: string): void {
  const staging = join(dataDir, RESTORING);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  const times: [string, number][] = [];
  const made = new Set<string>([staging]);
  const makeDir = (path: string, mode: number) => {
    if (made.has(path)) return;
    mkdirSync(path, { recursive: true, mode });
    made.add(path);
  };
  const input = openSync(snapshot, 'r');
  try {
    const reader = new ChunkReader(input);
    for (;;) {
      const entry = parseHeader(reader.take(BLOCK));
      if (entry === undefined) break;
      const path = join(staging, entry.name);
      if (entry.type === 'directory') {
        makeDir(path, entry.mode || 0o700);
      } else {
        makeDir(dirname(path), 0o700);
        const output = openSync(path, 'w', entry.mode || 0o600);
        try {
          for (let left = entry.size; left > 0; ) {
            const part = reader.take(Math.min(left, CHUNK));
            writeSync(output, part);
            left -= part.length;
          }
        } finally {
          closeSync(output);
        }
        reader.take((BLOCK - (entry.size % BLOCK)) % BLOCK);
      }
      times.push([path, entry.mtime]);
    }
    // Deepest first, so setting a file's time does not change its directory's again.
    for (const [path, mtime] of times.reverse()) utimesSync(path, mtime, mtime);
    const names = readdirSync(staging);
    if (!names.includes('PG_VERSION')) throw new UnsupportedSnapshotError('no PG_VERSION at the top');
    for (const name of names) if (name !== 'PG_VERSION') renameSync(join(staging, name), join(dataDir, name));
    renameSync(join(staging, 'PG_VERSION'), join(dataDir, 'PG_VERSION'));
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  } finally {
    closeSync(input);
  }
  rmSync(staging, { recursive: true, force: true });
}

/** Hands out consecutive slices of a file, read `CHUNK` bytes at a time into one buffer. */
class ChunkReader {
  readonly #fd: number;
  readonly #buffer = Buffer.alloc(CHUNK);
  #start = 0;
  #end = 0;
  #position = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** The next `length` bytes (at most `CHUNK`), valid until the next call. */
  take(length: number): Buffer {
    if (this.#end - this.#start < length) {
      this.#buffer.copy(this.#buffer, 0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
      while (this.#end < length) {
        const read = readSync(this.#fd, this.#buffer, this.#end, CHUNK - this.#end, this.#position);
        if (read === 0) throw new UnsupportedSnapshotError('truncated');
        this.#end += read;
        this.#position += read;
      }
    }
    const slice = this.#buffer.subarray(this.#start, this.#start + length);
    this.#start += length;
    return slice;
  }
}
