import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { openDatabase } from './openDatabase.ts';
import { openPglite } from './PgliteDatabase.ts';
import { pgliteWasmModule } from './pgliteWasm.ts';
import { RESTORING, restoreSnapshot, UnsupportedSnapshotError } from './restoreSnapshot.ts';

let dir = '';
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Every file under `root` with its size, relative paths sorted. */
async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push(`${path.slice(root.length + 1)} ${(await stat(path)).size}`);
  }
  return files.sort();
}

/** A ustar header block for one entry (`type` 0 file, 5 directory, 2 symbolic link). */
function header(name: string, type: '0' | '2' | '5', size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0);
  block.write('0000600\0', 100);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write(type, 156);
  block.write('ustar\u000000', 257);
  return block;
}

describe('a new embedded database from the snapshot', () => {
  it('is unpacked into its directory exactly as PGlite unpacks it, and opens with the same contents', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-restore-'));
    const snapshot = inject('pgliteSnapshot');
    const ours = join(dir, 'ours');
    await mkdir(ours);
    restoreSnapshot(snapshot, ours);
    // PGlite's own loader, from the same snapshot, into a directory of its own.
    const theirs = join(dir, 'theirs');
    const pglite = await import('@electric-sql/pglite');
    const reference = await pglite.PGlite.create({
      dataDir: theirs,
      loadDataDir: new Blob([await readFile(snapshot)]),
    });
    await reference.close();
    const unpacked = await tree(ours);
    expect(unpacked.length).toBeGreaterThan(100);
    expect(unpacked).toContain('PG_VERSION 3');
    // PGlite's open and close rewrite a few files (WAL, control) and remove the snapshot's
    // postmaster.pid; every other file is there in both.
    const names = (files: string[]) => files.map((line) => line.split(' ')[0]);
    const loaded = names(await tree(theirs));
    expect(names(unpacked).filter((name) => !loaded.includes(name))).toEqual(['postmaster.pid']);
    expect(await readdir(ours)).not.toContain(RESTORING);

    const db = await openPglite({ dataDir: ours });
    await db.exec('CREATE TABLE t (n int); INSERT INTO t VALUES (1), (2);');
    expect((await db.query<{ sum: number }>('SELECT sum(n)::int AS sum FROM t')).rows).toEqual([{ sum: 3 }]);
    await db.close();
  });

  it('starts again over what a process killed while unpacking left behind', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-restore-'));
    const dataDir = join(dir, 'pgdata');
    // A killed unpacking leaves its staging directory, half full, and nothing else.
    await mkdir(join(dataDir, RESTORING, 'base'), { recursive: true });
    await writeFile(join(dataDir, RESTORING, 'base', 'half'), 'x');
    const db = await openPglite({ dataDir, snapshot: inject('pgliteSnapshot') });
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await db.close();
    expect(await readdir(dataDir)).not.toContain(RESTORING);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
  });

  it('refuses what it does not unpack, leaving nothing behind, so that PGlite loads it instead', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-restore-'));
    const content = Buffer.from('17\n');
    const tar = Buffer.concat([
      header('PG_VERSION', '0', content.length),
      Buffer.concat([content, Buffer.alloc(512 - content.length)]),
      header('link', '2', 0),
      Buffer.alloc(1024),
    ]);
    await writeFile(join(dir, 'odd.tar'), tar);
    await mkdir(join(dir, 'pgdata'));
    expect(() => restoreSnapshot(join(dir, 'odd.tar'), join(dir, 'pgdata'))).toThrow(
      UnsupportedSnapshotError,
    );
    expect(await readdir(join(dir, 'pgdata'))).toEqual([]);

    await writeFile(join(dir, 'escape.tar'), Buffer.concat([header('../x', '5', 0), Buffer.alloc(1024)]));
    expect(() => restoreSnapshot(join(dir, 'escape.tar'), join(dir, 'pgdata'))).toThrow(
      UnsupportedSnapshotError,
    );
    expect(await readdir(dir)).toEqual(['escape.tar', 'odd.tar', 'pgdata']);
  });
});

describe("PGlite's WebAssembly", () => {
  it('is compiled once per process, by the baseline compiler unless the optimizing one is asked for', async () => {
    const module = await pgliteWasmModule('baseline');
    expect(module).toBeDefined();
    expect(await pgliteWasmModule('baseline')).toBe(module);
    const optimizing = await pgliteWasmModule('optimizing');
    expect(optimizing).toBeDefined();
    expect(optimizing).not.toBe(module);
    const db = await openPglite({ snapshot: inject('pgliteSnapshot'), wasmCompiler: 'optimizing' });
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await db.close();
  });

  it('takes shared_buffers from openDatabase', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-restore-'));
    const db = await openDatabase({ name: 'ledger', home: dir, sharedBuffers: '4MB' });
    expect((await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]?.shared_buffers).toBe(
      '4MB',
    );
    await db.close();
  });
});
