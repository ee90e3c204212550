import type { Migration } from '../store/migrate.ts';

/** Core's own tables, applied in scope `tollgate_core` by every server that has a store. */
export const coreMigrations: Migration[] = [
  {
    version: 1,
    name: 'idempotency keys',
    sql: `
      CREATE TABLE tollgate_idempotency (
        principal text NOT NULL,
        tool text NOT NULL,
        key text NOT NULL,
        fingerprint text NOT NULL,
        state text NOT NULL CHECK (state IN ('in_flight', 'completed')),
        owner uuid NOT NULL,
        result jsonb,
        lease_expires_at timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (principal, tool, key)
      );
      CREATE INDEX tollgate_idempotency_created_at ON tollgate_idempotency (created_at);
    `,
  },
];
