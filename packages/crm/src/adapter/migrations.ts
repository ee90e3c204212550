import type { Migration } from '@tollgate/core/store';

export const crmMigrations: Migration[] = [
  {
    version: 1,
    name: 'accounts, leads, tasks, owners',
    sql: `
      CREATE TABLE crm_owners (
        id text PRIMARY KEY,
        name text NOT NULL,
        email text NOT NULL UNIQUE,
        territory text
      );
      CREATE TABLE crm_accounts (
        domain text PRIMARY KEY,
        name text,
        industry text,
        employee_count integer,
        annual_revenue double precision,
        country text,
        score integer CHECK (score BETWEEN 0 AND 100),
        owner_id text REFERENCES crm_owners (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE crm_leads (
        email text PRIMARY KEY,
        domain text NOT NULL,
        first_name text,
        last_name text,
        title text,
        status text NOT NULL DEFAULT 'new',
        score integer CHECK (score BETWEEN 0 AND 100),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX crm_leads_domain ON crm_leads (domain);
      CREATE TABLE crm_tasks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        idempotency_key text NOT NULL,
        domain text NOT NULL,
        kind text NOT NULL,
        note text NOT NULL,
        status text NOT NULL DEFAULT 'open',
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX crm_tasks_domain ON crm_tasks (domain);
      INSERT INTO crm_owners (id, name, email, territory) VALUES
        ('own_ada', 'Ada Park', 'ada.park@example.com', 'NA West'),
        ('own_bo', 'Bo Lindqvist', 'bo.lindqvist@example.com', 'EMEA'),
        ('own_chen', 'Chen Wei', 'chen.wei@example.com', 'APAC'),
        ('own_dara', 'Dara Okafor', 'dara.okafor@example.com', 'NA East');
    `,
  },
  {
    version: 2,
    name: 'one open task per account and kind',
    // Re-runs under a new run key used to add a task each night. Before the rule can be an index,
    // every open task but the oldest of its (account, kind) is closed, its note saying which task it
    // repeats: the oldest stays open, so no work item is lost, and the history stays in the table.
    sql: `
      WITH ranked AS (
        SELECT id, first_value(id) OVER (PARTITION BY domain, kind ORDER BY seq) AS kept
          FROM crm_tasks WHERE status = 'open'
      )
      UPDATE crm_tasks AS task
         SET status = 'done',
             note = task.note || E'\\n\\n[Closed by Tollgate: repeats open task ' || ranked.kept || '.]'
        FROM ranked
       WHERE task.id = ranked.id AND ranked.id <> ranked.kept;
      CREATE UNIQUE INDEX crm_tasks_one_open ON crm_tasks (domain, kind) WHERE status = 'open';
    `,
  },
  {
    version: 3,
    name: 'tasks made upstream lately',
    // For adapters whose tasks live upstream (HubSpot): the task each (account, kind) got lately,
    // which HubSpot's search may not show yet. Every server process on this store reads it, so a
    // replica or a restart does not make a second open task within the search lag.
    sql: `
      CREATE TABLE crm_upstream_open_tasks (
        slot text PRIMARY KEY,
        task_id text NOT NULL,
        made_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];
