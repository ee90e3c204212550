import { describe, expect, inject, it } from 'vitest';
import { isToolError } from '../errors/ToolError.ts';
import type { Database } from './Database.ts';
import { isLazyDatabase, lazyDatabase, whenOpen } from './lazyDatabase.ts';
import { openPglite } from './PgliteDatabase.ts';

const HINT = 'Check TEST_DATABASE_URL.';

function counted(open: () => Promise<Database>) {
  const calls = { opens: 0, releases: 0 };
  const db = lazyDatabase({
    name: 'test',
    kind: 'pglite',
    location: 'memory://',
    hint: HINT,
    open: () => {
      calls.opens++;
      return open();
    },
    release: () => {
      calls.releases++;
    },
  });
  return { db, calls };
}

const realStore = () => openPglite({ snapshot: inject('pgliteSnapshot') });

describe('lazyDatabase', () => {
  it('opens nothing until first used, then once for every concurrent caller', async () => {
    const { db, calls } = counted(realStore);
    expect(db.opened).toBe(false);
    expect(calls.opens).toBe(0);
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => db.query<{ n: number }>('SELECT $1::int AS n', [n])),
    );
    expect(answers.map((answer) => answer.rows[0]?.n)).toEqual([1, 2, 3, 4, 5]);
    expect(calls.opens).toBe(1);
    expect(db.opened).toBe(true);
    await db.close();
    expect(calls.releases).toBe(1);
  });

  it('turns a failed open into a retryable upstream_unavailable with the hint, and tries again on the next use', async () => {
    let fail = true;
    const { db, calls } = counted(async () => {
      if (fail) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      return realStore();
    });
    const error = await db.query('SELECT 1').catch((thrown: unknown) => thrown);
    expect(isToolError(error, 'upstream_unavailable')).toBe(true);
    expect(error).toMatchObject({ retryable: true, hint: HINT });
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(db.opened).toBe(false);

    fail = false;
    await expect(db.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    expect(calls.opens).toBe(2);
    await db.close();
  });

  it('runs open steps on the store before any query reaches it', async () => {
    const { db } = counted(realStore);
    const order: string[] = [];
    await whenOpen(db, async (opened) => {
      order.push('step');
      await opened.exec('CREATE TABLE prepared (id int)');
    });
    expect(order).toEqual([]);
    await expect(db.query('SELECT count(*)::int AS n FROM prepared')).resolves.toMatchObject({
      rows: [{ n: 0 }],
    });
    expect(order).toEqual(['step']);
    await db.close();
  });

  it('closes the store when an open step fails, and runs the steps again on the next attempt', async () => {
    let stepRuns = 0;
    const closed: string[] = [];
    const { db, calls } = counted(async () => {
      const store = await realStore();
      return { ...store, close: () => store.close().then(() => void closed.push('closed')) };
    });
    db.onOpen(async () => {
      stepRuns++;
      if (stepRuns === 1) throw new Error('migration 3 failed');
    });
    const error = await db.query('SELECT 1').catch((thrown: unknown) => thrown);
    expect(isToolError(error, 'upstream_unavailable')).toBe(true);
    expect((error as Error).message).toContain('migration 3 failed');
    expect(closed).toEqual(['closed']);

    await expect(db.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    expect({ opens: calls.opens, stepRuns }).toEqual({ opens: 2, stepRuns: 2 });
    await db.close();
  });

  it('releases what it holds at close even when never opened, and refuses use afterwards', async () => {
    const { db, calls } = counted(realStore);
    await db.close();
    expect(calls).toEqual({ opens: 0, releases: 1 });
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(calls.opens).toBe(0);
  });

  it('runs open steps at once on a store that is already open', async () => {
    const store = await realStore();
    expect(isLazyDatabase(store)).toBe(false);
    await whenOpen(store, (opened) => opened.exec('CREATE TABLE now_ready (id int)'));
    await expect(store.query('SELECT count(*)::int AS n FROM now_ready')).resolves.toMatchObject({
      rows: [{ n: 0 }],
    });
    await store.close();
  });
});
