import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { openPglite } from './PgliteDatabase.ts';

const sharedBuffers = async (db: Awaited<ReturnType<typeof openPglite>>) =>
  (await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]?.shared_buffers;

describe('openPglite memory', () => {
  it('keeps 16MB of shared buffers by default instead of Postgres’s 128MB, on disk and in memory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-pglite-'));
    try {
      const onDisk = await openPglite({ dataDir: join(dir, 'pgdata'), snapshot: inject('pgliteSnapshot') });
      expect(await sharedBuffers(onDisk)).toBe('16MB');
      await onDisk.close();
      // Reopened (not from the snapshot): the setting is a start parameter, not written to the store.
      const reopened = await openPglite({ dataDir: join(dir, 'pgdata') });
      expect(await sharedBuffers(reopened)).toBe('16MB');
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const inMemory = await openPglite({ snapshot: inject('pgliteSnapshot') });
    expect(await sharedBuffers(inMemory)).toBe('16MB');
    await inMemory.close();
  });

  it('takes another size when asked, and refuses one that is not a size', async () => {
    const db = await openPglite({ snapshot: inject('pgliteSnapshot'), sharedBuffers: '32MB' });
    expect(await sharedBuffers(db)).toBe('32MB');
    await db.close();
    await expect(openPglite({ sharedBuffers: '16MB -c fsync=off' })).rejects.toThrow('sharedBuffers');
  });
});
