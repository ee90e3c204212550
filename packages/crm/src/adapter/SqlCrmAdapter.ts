import { InvalidInputError, isToolError, LockedError, type ToolError } from '@tollgate/core';
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
import type { CreatedTask, CrmAdapter, ItemResult } from './CrmAdapter.ts';

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

/**
 * Many upserts in as few statements as they allow: one multi-row `INSERT … ON CONFLICT DO UPDATE`
 * per set of columns sent. A statement may not touch one row twice, so a key repeated in the list
 * goes into a later round, and its items apply in list order, as one call after another would.
 */
async function upsertMany(
  db: Queryable,
  table: string,
  key: string,
  inputs: readonly Row[],
  columns: readonly string[],
): Promise<Row[]> {
  const rows: Row[] = new Array(inputs.length);
  let left = inputs.map((input, index) => ({ input, index }));
  while (left.length > 0) {
    const seen = new Set<unknown>();
    const round = left.filter(({ input }) => !seen.has(input[key]) && seen.add(input[key]));
    left = left.filter((entry) => !round.includes(entry));
    const groups = new Map<string, typeof round>();
    for (const entry of round) {
      const present = columns.filter((column) => entry.input[column] !== undefined).join(',');
      groups.set(present, [...(groups.get(present) ?? []), entry]);
    }
    for (const [present, group] of groups) {
      const names = [key, ...(present === '' ? [] : present.split(','))];
      const params: unknown[] = [];
      const tuples = group.map(({ input }) => {
        const placeholders = names.map((name) => {
          params.push(input[name]);
          return `$${params.length}`;
        });
        return `(${placeholders.join(', ')})`;
      });
      const updates = [
        ...names.slice(1).map((column) => `${column} = EXCLUDED.${column}`),
        'updated_at = now()',
      ];
      const result = await db.query(
        `INSERT INTO ${table} (${names.join(', ')}) VALUES ${tuples.join(', ')}
         ON CONFLICT (${key}) DO UPDATE SET ${updates.join(', ')}
         RETURNING *, (xmax = 0) AS inserted`,
        params,
      );
      const byKey = new Map(result.rows.map((row) => [row[key], row]));
      for (const { input, index } of group) rows[index] = byKey.get(input[key]) as Row;
    }
  }
  return rows;
}

function isForeignKeyViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23503';
}

function unknownOwner(ownerId: string): ToolError {
  return new InvalidInputError(`owner_id "${ownerId}" is not a known owner.`, {
    hint: 'Call list_owners and use one of its ids, or pass null to leave the account unassigned.',
    details: { issues: [{ path: 'owner_id', message: 'unknown owner' }] },
  });
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
      if (isForeignKeyViolation(error)) throw unknownOwner(String(input.owner_id));
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

  async getAccounts(domains: readonly string[]): Promise<(Account | null)[]> {
    const { rows } = await this.#db.query('SELECT * FROM crm_accounts WHERE domain = ANY($1::text[])', [
      [...new Set(domains)],
    ]);
    const byDomain = new Map(rows.map((row) => [String(row.domain), toAccount(row)]));
    return domains.map((domain) => byDomain.get(domain) ?? null);
  }

  async upsertAccounts(inputs: readonly AccountUpsert[]) {
    // An unknown owner is that item's mistake: found first, so the statement never fails on it.
    const owners = [
      ...new Set(inputs.flatMap((input) => (typeof input.owner_id === 'string' ? [input.owner_id] : []))),
    ];
    const known = new Set<string>();
    if (owners.length > 0) {
      const { rows } = await this.#db.query('SELECT id FROM crm_owners WHERE id = ANY($1::text[])', [owners]);
      for (const row of rows) known.add(String(row.id));
    }
    const refused = inputs.map((input): ToolError | undefined =>
      typeof input.owner_id === 'string' && !known.has(input.owner_id)
        ? unknownOwner(input.owner_id)
        : undefined,
    );
    const accepted = inputs.filter((_, i) => refused[i] === undefined);
    const rows = await this.#db.transaction((tx) =>
      upsertMany(tx, 'crm_accounts', 'domain', accepted, ACCOUNT_COLUMNS),
    );
    let next = 0;
    return inputs.map((_, i): ItemResult<{ account: Account; created: boolean }> => {
      const refusal = refused[i];
      if (refusal !== undefined) return refusal;
      const row = rows[next++] as Row;
      return { account: toAccount(row), created: row.inserted === true };
    });
  }

  async upsertLeads(inputs: readonly LeadUpsert[]) {
    const rows = await this.#db.transaction((tx) =>
      upsertMany(tx, 'crm_leads', 'email', inputs, LEAD_COLUMNS),
    );
    return rows.map((row) => ({ lead: toLead(row), created: row.inserted === true }));
  }

  /**
   * One insert for every task, skipping those whose account already has an open task of that kind
   * (the partial unique index), then one read of those open tasks. Within the list, the first item
   * of an (account, kind) makes the task and the others answer it as existing, as calls in that
   * order would.
   */
  async createTasks(
    inputs: readonly TaskInput[],
    tx: Queryable | undefined,
  ): Promise<ItemResult<CreatedTask>[]> {
    const db = tx ?? this.#db;
    const inserted = await db.query(
      `INSERT INTO crm_tasks (idempotency_key, domain, kind, note)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       ON CONFLICT (domain, kind) WHERE status = 'open' DO NOTHING RETURNING *`,
      [
        inputs.map((input) => input.idempotency_key),
        inputs.map((input) => input.domain),
        inputs.map((input) => input.kind),
        inputs.map((input) => input.note),
      ],
    );
    const made = new Map(inserted.rows.map((row) => [String(row.idempotency_key), toTask(row)]));
    const rest = inputs.filter((input) => !made.has(input.idempotency_key));
    const open = new Map<string, Task>();
    if (rest.length > 0) {
      const found = await db.query(
        `SELECT * FROM crm_tasks
          WHERE status = 'open' AND (domain, kind) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [rest.map((input) => input.domain), rest.map((input) => input.kind)],
      );
      for (const row of found.rows) open.set(`${row.domain}\u0000${row.kind}`, toTask(row));
    }
    return Promise.all(
      inputs.map(async (input): Promise<ItemResult<CreatedTask>> => {
        const task = made.get(input.idempotency_key);
        if (task !== undefined) return { task, existing: false };
        const existing = open.get(`${input.domain}\u0000${input.kind}`);
        if (existing !== undefined) return { task: existing, existing: true };
        // The open task closed between the two statements: this one item goes the single way.
        return this.createTask(input, tx).catch((error: unknown) => {
          if (isToolError(error)) return error;
          throw error;
        });
      }),
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
