import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from './dataDirLock.ts';

describe('the embedded data directory lock', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('refuses a second holder while the first is alive, and frees on release', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-lock-'));
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(/in use by process \d+/);
    release();
    const again = lockDataDir(dir);
    again();
  });

  it('takes over a lock left by a process that died', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-lock-'));
    // Far above any pid a Linux machine hands out by default.
    await writeFile(join(dir, '.tollgate.lock'), '4194000');
    const release = lockDataDir(dir);
    release();
  });
});
