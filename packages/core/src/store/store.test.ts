import { backends } from '@tollgate/testing/backends';
import type { TestDatabase } from '@tollgate/testing/databases';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.ts';

const migrations = [
  { version: 1, name: 'widgets', sql: 'CREATE TABLE widgets (id text PRIMARY KEY, n integer NOT NULL);' },
  {
    version: 2,
    name: 'widget color',
    sql: "ALTER TABLE widgets ADD COLUMN color text NOT NULL DEFAULT 'red';",
  },
];

describe.each(backends())('the store on $name', (backend) => {
  let test: TestDatabase | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });

  describe.skipIf(backend.skip !== '')('', () => {
    it('applies migrations once, in order, and records them', async () => {
      test = await backend.open();
      expect(await migrate(test.db, 'widgets', migrations)).toEqual([1, 2]);
      expect(await migrate(test.db, 'widgets', migrations)).toEqual([]);
      await test.db.query('INSERT INTO widgets (id, n) VALUES ($1, $2)', ['a', 1]);
      const { rows } = await test.db.query('SELECT id, n, color FROM widgets');
      expect(rows).toEqual([{ id: 'a', n: 1, color: 'red' }]);
      const recorded = await test.db.query("SELECT version FROM tollgate_migrations WHERE scope = 'widgets'");
      expect(recorded.rows.map((row) => row.version)).toEqual([1, 2]);
    });

    it('refuses gaps in migration numbers', async () => {
      test = await backend.open();
      await expect(migrate(test.db, 'gaps', [{ version: 2, name: 'x', sql: 'SELECT 1' }])).rejects.toThrow(
        /numbered 1, 2, 3/,
      );
    });

    it('commits a transaction that resolves and rolls back one that throws', async () => {
      test = await backend.open();
      const { db } = test;
      await migrate(db, 'widgets', migrations);
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO widgets (id, n) VALUES ($1, $2)', ['kept', 1]);
      });
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO widgets (id, n) VALUES ($1, $2)', ['lost', 2]);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const { rows } = await db.query('SELECT id FROM widgets ORDER BY id');
      expect(rows.map((row) => row.id)).toEqual(['kept']);
    });

    it('counts affected rows', async () => {
      test = await backend.open();
      await migrate(test.db, 'widgets', migrations);
      await test.db.query("INSERT INTO widgets (id, n) VALUES ('a', 1), ('b', 2)");
      expect((await test.db.query('UPDATE widgets SET n = n + 1')).affected).toBe(2);
    });
  });
});
