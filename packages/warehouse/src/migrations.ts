import type { Migration } from '@tollgate/core/store';

/** The demo warehouse's schema (embedded mode only: a real warehouse is never migrated). */
export const demoWarehouseMigrations: Migration[] = [
  {
    version: 1,
    name: 'accounts and usage events',
    sql: `
      CREATE TABLE wh_accounts (
        domain text PRIMARY KEY,
        name text NOT NULL,
        segment text NOT NULL,
        employee_count integer,
        industry text,
        country text,
        plan text NOT NULL,
        arr double precision NOT NULL,
        signed_up_at timestamptz NOT NULL,
        contact_email text,
        contact_first_name text,
        contact_last_name text,
        contact_title text
      );
      CREATE INDEX wh_accounts_segment ON wh_accounts (segment, domain);
      CREATE TABLE wh_usage_events (
        domain text NOT NULL REFERENCES wh_accounts (domain),
        user_id text NOT NULL,
        event_type text NOT NULL,
        occurred_at timestamptz NOT NULL
      );
      CREATE INDEX wh_usage_events_domain ON wh_usage_events (domain, occurred_at);
    `,
  },
];
