import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openPglite, openPostgres } from '@tollgate/core/store';
import pg from 'pg';

export interface TestDatabase {
  db: Database;
  /** Opens a second, independent connection pool to the same database (Postgres only). */
  reopen?: () => Promise<Database>;
  drop(): Promise<void>;
}

/** A fresh in-memory embedded database, started from an initialised snapshot (half a second, not five). */
export async function freshPglite(snapshot: string): Promise<TestDatabase> {
  const db = await openPglite({ snapshot });
  return { db, drop: () => db.close().catch(() => undefined) };
}

/** A fresh on-disk embedded database in a temporary directory, for tests that close and reopen it. */
export async function freshPgliteDir(snapshot: string): Promise<TestDatabase & { dataDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-pglite-'));
  const dataDir = join(dir, 'pgdata');
  const db = await openPglite({ dataDir, snapshot });
  return {
    db,
    dataDir,
    drop: async () => {
      await db.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh database on a Postgres server, dropped afterwards. */
export async function freshPostgres(serverUrl: string): Promise<TestDatabase> {
  const name = `tollgate_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const opened: Database[] = [];
  const open = async () => {
    const db = await openPostgres({ url: url.toString(), maxConnections: 20 });
    opened.push(db);
    return db;
  };
  const db = await open();
  return {
    db,
    reopen: open,
    drop: async () => {
      for (const each of opened) await each.close().catch(() => undefined);
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
