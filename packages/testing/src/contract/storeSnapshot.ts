import type { Database } from '@tollgate/core/store';

/**
 * Every row of every table in the store's schema, in a stable order: two snapshots are equal when
 * nothing was written in between (idempotency keys included).
 */
export async function storeSnapshot(db: Database): Promise<string> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const dump: [string, string[]][] = [];
  for (const { name } of tables) {
    const { rows } = await db.query(`SELECT * FROM "${name.replaceAll('"', '""')}"`);
    dump.push([name, rows.map((row) => JSON.stringify(row, bigints)).sort()]);
  }
  return JSON.stringify(dump);
}

const bigints = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);
