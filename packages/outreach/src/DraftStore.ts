import type { Database, Queryable } from '@tollgate/core';
import type { Draft, DraftFilter } from './schemas.ts';

type Row = Record<string, unknown>;

function toDraft(row: Row): Draft {
  const created = row.created_at;
  return {
    id: String(row.id),
    lead_email: String(row.lead_email),
    domain: String(row.domain),
    subject: String(row.subject),
    body: String(row.body),
    sequence: (row.sequence as string | null) ?? null,
    status: 'draft',
    created_at: (created instanceof Date ? created : new Date(String(created))).toISOString(),
  };
}

export interface NewDraft {
  idempotency_key: string;
  lead_email: string;
  domain: string;
  subject: string;
  body: string;
  sequence?: string | undefined;
}

/** Drafts in the outreach server's own database. */
export class DraftStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Writes through `tx` so the draft commits together with its idempotency record. */
  async create(draft: NewDraft, tx: Queryable | undefined): Promise<Draft> {
    const { rows } = await (tx ?? this.#db).query(
      `INSERT INTO outreach_drafts (idempotency_key, lead_email, domain, subject, body, sequence)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [
        draft.idempotency_key,
        draft.lead_email,
        draft.domain,
        draft.subject,
        draft.body,
        draft.sequence ?? null,
      ],
    );
    return toDraft(rows[0] as Row);
  }

  async get(id: string): Promise<Draft | undefined> {
    const { rows } = await this.#db.query('SELECT * FROM outreach_drafts WHERE id = $1', [id]);
    return rows[0] ? toDraft(rows[0]) : undefined;
  }

  /** Drafts matching the filter, oldest first, after the draft with the given id. */
  async list(filter: DraftFilter, after: string | undefined, limit: number): Promise<Draft[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const column of ['domain', 'lead_email', 'sequence'] as const) {
      if (filter[column] !== undefined) {
        params.push(filter[column]);
        where.push(`${column} = $${params.length}`);
      }
    }
    if (after !== undefined) {
      params.push(after);
      where.push(`seq > (SELECT seq FROM outreach_drafts WHERE id = $${params.length}::uuid)`);
    }
    params.push(limit);
    const { rows } = await this.#db.query(
      `SELECT * FROM outreach_drafts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY seq LIMIT $${params.length}`,
      params,
    );
    return rows.map(toDraft);
  }
}
