import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { homePgliteSnapshot, pgliteSnapshot, shippedPgliteSnapshot } from './openDatabase.ts';

const MODULE = JSON.stringify(pathToFileURL(join(import.meta.dirname, 'openDatabase.ts')).href);

const leftovers = async (home: string) =>
  (await readdir(home)).filter((name) => name !== '.pglite-empty.tar' && name.startsWith('.pglite'));

describe('the embedded database snapshot', () => {
  let home = '';
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('leaves nothing behind when the process making it is killed, once the next one has run', async () => {
    home = await mkdtemp(join(tmpdir(), 'tollgate-snapshot-'));
    const script = `const { homePgliteSnapshot } = await import(${MODULE}); await homePgliteSnapshot(process.argv[1]);`;
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

    const snapshot = await homePgliteSnapshot(home);
    expect(snapshot).toBe(join(home, '.pglite-empty.tar'));
    expect(await leftovers(home)).toEqual([]);
  }, 120_000);

  it("starts a new home from the installation's snapshot, which the build made, without writing one there", async () => {
    home = await mkdtemp(join(tmpdir(), 'tollgate-snapshot-'));
    const shipped = shippedPgliteSnapshot();
    // The test run's global setup ran the build, as `npm install` does.
    expect(existsSync(shipped)).toBe(true);
    expect(shipped).toMatch(/node_modules\/\.cache\/tollgate\/pglite-empty-\d+\.\d+\.\d+\.tar$/);
    expect(await pgliteSnapshot(home)).toBe(shipped);
    expect(await readdir(home)).toEqual([]);
  });
});
