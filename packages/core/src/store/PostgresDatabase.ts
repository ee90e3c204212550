import type pg from 'pg';
import type { Database, Queryable, QueryResult } from './Database.ts';

function wrap(target: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []) {
      const result = await target.query<T>(sql, params as unknown[]);
      return { rows: result.rows, affected: result.rowCount ?? 0 } satisfies QueryResult<T>;
    },
    async exec(sql: string) {
      // Without parameters pg uses the simple protocol, which accepts several statements.
      await target.query(sql);
    },
  };
}

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

export interface PostgresOptions {
  url: string;
  /** Connections in the pool. Default 10. */
  maxConnections?: number;
}

/** A Postgres server through a `pg` connection pool. */
export async function openPostgres(options: PostgresOptions): Promise<Database> {
  // Imported here, not at the top: a process on the embedded database never loads it (~5 MB).
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const client = await pool.connect().catch((error: unknown) => {
    void pool.end();
    throw new Error(
      `Cannot connect to Postgres at ${redactUrl(options.url)}: ${(error as Error).message}. ` +
        'Check DATABASE_URL, or unset it to use the embedded database.',
    );
  });
  client.release();
  const base = wrap(pool);
  return {
    kind: 'postgres',
    location: redactUrl(options.url),
    query: base.query,
    exec: base.exec,
    async transaction(fn) {
      const connection = await pool.connect();
      try {
        await connection.query('BEGIN');
        const result = await fn(wrap(connection));
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
    close: () => pool.end(),
  };
}
