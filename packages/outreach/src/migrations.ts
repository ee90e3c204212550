import type { Migration } from '@tollgate/core/store';

export const outreachMigrations: Migration[] = [
  {
    version: 1,
    name: 'drafts',
    sql: `
      CREATE TABLE outreach_drafts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        idempotency_key text NOT NULL,
        lead_email text NOT NULL,
        domain text NOT NULL,
        subject text NOT NULL,
        body text NOT NULL,
        sequence text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX outreach_drafts_domain ON outreach_drafts (domain);
      CREATE INDEX outreach_drafts_lead ON outreach_drafts (lead_email);
    `,
  },
];
