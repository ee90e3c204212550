import type { Migration } from '@tollgate/core/store';

/** The enrichment server's tables: the signal cache, keyed by normalized domain. */
export const enrichmentMigrations: Migration[] = [
  {
    version: 1,
    name: 'signal cache',
    sql: `
      CREATE TABLE enrichment_cache (
        domain text PRIMARY KEY,
        signals jsonb NOT NULL,
        fetched_at timestamptz NOT NULL
      );
    `,
  },
];
