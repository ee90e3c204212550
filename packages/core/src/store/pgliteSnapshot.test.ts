import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { pgliteSnapshot } from './openDatabase.ts';

const MODULE = JSON.stringify(pathToFileURL(join(import.meta.dirname, 'openDatabase.ts')).href);

const leftovers = async (home: string) =>
  (await readdir(home)).filter((name) => name !== '.pglite-empty.tar' && name.startsWith('.pglite'));

describe('the embedded database snapshot', () => {
  let home = '';
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('leaves nothing behind when the process making it is killed, once the next one has run', async () => {
    home = await mkdtemp(join(tmpdir(), 'tollgate-snapshot-'));
    const script = `const { pgliteSnapshot } = await import(${MODULE}); await pgliteSnapshot(process.argv[1]);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, home], {
      stdio: 'ignore',
    });
    // Killed while the snapshot is being written.
    for (let i = 0; i < 400 && (await leftovers(home)).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await leftovers(home)).not.toEqual([]);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const snapshot = await pgliteSnapshot(home);
    expect(snapshot).toBe(join(home, '.pglite-empty.tar'));
    expect(await leftovers(home)).toEqual([]);
  }, 120_000);
});
