import { InvalidInputError, LockedError } from '@tollgate/core';
import type { Database, Queryable } from '@tollgate/core/store';
import {
  type Account,
  type AccountUpsert,
  accountFields,
  type Lead,
  type LeadFilter,
  type LeadUpsert,
  leadFields,
  type Owner,
  type Task,
  type TaskFilter,
  type TaskInput,
} from '../schemas.ts';
import type { CreatedTask, CrmAdapter } from './CrmAdapter.ts';

const ACCOUNT_COLUMNS = Object.keys(accountFields) as (keyof typeof accountFields)[];
const LEAD_COLUMNS = ['domain', ...Object.keys(leadFields)];

type Row = Record<string, unknown>;

const iso = (value: unknown) =>
  value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

function toAccount(row: Row): Account {
  return {
    domain: String(row.domain),
    name: (row.name as string | null) ?? null,
    industry: (row.industry as string | null) ?? null,
    employee_count: numberOrNull(row.employee_count),
    annual_revenue: numberOrNull(row.annual_revenue),
    country: (row.country as string | null) ?? null,
    score: numberOrNull(row.score),
    owner_id: (row.owner_id as string | null) ?? null,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

function toLead(row: Row): Lead {
  return {
    email: String(row.email),
    domain: String(row.domain),
    first_name: (row.first_name as string | null) ?? null,
    last_name: (row.last_name as string | null) ?? null,
    title: (row.title as string | null) ?? null,
    status: row.status as Lead['status'],
    score: numberOrNull(row.score),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

function toTask(row: Row): Task {
  return {
    id: String(row.id),
    domain: String(row.domain),
    kind: row.kind as Task['kind'],
    note: String(row.note),
    status: row.status as Task['status'],
    created_at: iso(row.created_at),
  };
}

/**
 * An upsert on the natural key: `INSERT … ON CONFLICT DO UPDATE` of only the fields the caller
 * sent, so a repeated call leaves one record and never blanks what it did not mention.
 * `xmax = 0` holds only for a row this statement inserted.
 */
function upsertSql(table: string, key: string, values: Row, columns: readonly string[]) {
  const present = columns.filter((column) => values[column] !== undefined);
  const names = [key, ...present];
  const params = names.map((name) => values[name]);
  const placeholders = names.map((_, i) => `$${i + 1}`);
  const updates = [...present.map((column) => `${column} = EXCLUDED.${column}`), 'updated_at = now()'];
  return {
    sql: `INSERT INTO ${table} (${names.join(', ')}) VALUES (${placeholders.join(', ')})
          ON CONFLICT (${key}) DO UPDATE SET ${updates.join(', ')}
          RETURNING *, (xmax = 0) AS inserted`,
    params,
  };
}

function isForeignKeyViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23503';
}

/** The built-in CRM store: tables in the server's own Postgres (embedded PGlite by default). */
export class SqlCrmAdapter implements CrmAdapter {
  readonly kind = 'builtin';
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async getAccount(domain: string): Promise<Account | null> {
    const { rows } = await this.#db.query('SELECT * FROM crm_accounts WHERE domain = $1', [domain]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async upsertAccount(input: AccountUpsert) {
    const { sql, params } = upsertSql('crm_accounts', 'domain', input, ACCOUNT_COLUMNS);
    try {
      const { rows } = await this.#db.query(sql, params);
      const row = rows[0] as Row;
      return { account: toAccount(row), created: row.inserted === true };
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new InvalidInputError(`owner_id "${input.owner_id}" is not a known owner.`, {
          hint: 'Call list_owners and use one of its ids, or pass null to leave the account unassigned.',
          details: { issues: [{ path: 'owner_id', message: 'unknown owner' }] },
        });
      }
      throw error;
    }
  }

  async upsertLead(input: LeadUpsert) {
    const { sql, params } = upsertSql('crm_leads', 'email', input, LEAD_COLUMNS);
    const { rows } = await this.#db.query(sql, params);
    const row = rows[0] as Row;
    return { lead: toLead(row), created: row.inserted === true };
  }

  async searchLeads(filter: LeadFilter, after: string | undefined, limit: number): Promise<Lead[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.domain !== undefined) add('domain = ?', filter.domain);
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.min_score !== undefined) add('score >= ?', filter.min_score);
    if (after !== undefined) add('email > ?', after);
    params.push(limit);
    const { rows } = await this.#db.query(
      `SELECT * FROM crm_leads ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY email LIMIT $${params.length}`,
      params,
    );
    return rows.map(toLead);
  }

  /**
   * One open task per (account, kind) is the partial unique index `crm_tasks_one_open`, so it holds
   * however callers race: an insert that meets an open task inserts nothing, and that task is read
   * back. On Postgres the insert waits for a racing transaction's uncommitted task, then conflicts with
   * it (committed) or inserts (rolled back); each statement sees what committed before it. A task
   * closed between the two statements sends the loop round again.
   */
  async createTask(input: TaskInput, tx: Queryable | undefined): Promise<CreatedTask> {
    const db = tx ?? this.#db;
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await db.query(
        `INSERT INTO crm_tasks (idempotency_key, domain, kind, note) VALUES ($1, $2, $3, $4)
         ON CONFLICT (domain, kind) WHERE status = 'open' DO NOTHING RETURNING *`,
        [input.idempotency_key, input.domain, input.kind, input.note],
      );
      if (inserted.rows[0]) return { task: toTask(inserted.rows[0]), existing: false };
      const open = await db.query(
        `SELECT * FROM crm_tasks WHERE domain = $1 AND kind = $2 AND status = 'open'`,
        [input.domain, input.kind],
      );
      if (open.rows[0]) return { task: toTask(open.rows[0]), existing: true };
    }
    throw new LockedError(
      `The open ${input.kind} task of ${input.domain} kept changing while this call ran.`,
      {
        retryAfterMs: 250,
      },
    );
  }

  async listTasks(filter: TaskFilter, after: string | undefined, limit: number): Promise<Task[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.domain !== undefined) {
      params.push(filter.domain);
      where.push(`domain = $${params.length}`);
    }
    if (filter.kind !== undefined) {
      params.push(filter.kind);
      where.push(`kind = $${params.length}`);
    }
    if (after !== undefined) {
      params.push(after);
      where.push(`seq > (SELECT seq FROM crm_tasks WHERE id = $${params.length}::uuid)`);
    }
    params.push(limit);
    const { rows } = await this.#db.query(
      `SELECT * FROM crm_tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY seq LIMIT $${params.length}`,
      params,
    );
    return rows.map(toTask);
  }

  async listOwners(): Promise<Owner[]> {
    const { rows } = await this.#db.query('SELECT id, name, email, territory FROM crm_owners ORDER BY id');
    return rows.map((row) => ({
      id: String(row.id),
      name: String(row.name),
      email: String(row.email),
      territory: (row.territory as string | null) ?? null,
    }));
  }

  /** The database belongs to the server, which closes it. */
  async close(): Promise<void> {}
}
