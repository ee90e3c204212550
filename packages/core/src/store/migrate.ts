import type { Database } from './Database.ts';

export interface Migration {
  /** Increasing from 1 within a scope; never renumber a migration that has shipped. */
  version: number;
  name: string;
  sql: string;
}

/**
 * Applies the migrations of one scope (a server, or core's own tables) that have not run yet,
 * in version order, each in its own transaction. An advisory lock keeps two processes that start
 * together from applying the same migration twice.
 */
export async function migrate(
  db: Database,
  scope: string,
  migrations: readonly Migration[],
): Promise<number[]> {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `Migrations of "${scope}" must be numbered 1, 2, 3…; found ${migration.version} at ${index + 1}.`,
      );
    }
  });
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['tollgate_migrations']);
    await tx.exec(`CREATE TABLE IF NOT EXISTS tollgate_migrations (
      scope text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, version)
    )`);
  });
  const applied: number[] = [];
  for (const migration of sorted) {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tollgate_migrations:${scope}`]);
      const done = await tx.query('SELECT 1 FROM tollgate_migrations WHERE scope = $1 AND version = $2', [
        scope,
        migration.version,
      ]);
      if (done.rows.length > 0) return;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO tollgate_migrations (scope, version, name) VALUES ($1, $2, $3)', [
        scope,
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    });
  }
  return applied;
}
