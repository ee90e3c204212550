import type { Database, Queryable } from '@tollgate/core/store';
import { DEFAULT_DRAFT_WINDOW_DAYS, draftWindowMs } from './draftWindow.ts';
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

/** What create answers: the draft saved, or the lead's draft in that sequence the window still holds. */
export interface CreatedDraft {
  draft: Draft;
  /** True when nothing was saved: `draft` is the lead's draft in that sequence from within the window. */
  existing: boolean;
}

export interface DraftStoreOptions {
  /**
   * A lead has at most one draft per sequence in any window of this many milliseconds (drafts without
   * a sequence count as one sequence); 0 saves a draft for every call. Nothing here is ever sent, so
   * every draft counts as unsent. Default 7 days.
   */
  windowMs?: number | undefined;
}

/** Drafts in the outreach server's own database. */
export class DraftStore {
  readonly #db: Database;
  readonly windowMs: number;

  constructor(db: Database, options: DraftStoreOptions = {}) {
    this.#db = db;
    this.windowMs = options.windowMs ?? draftWindowMs(DEFAULT_DRAFT_WINDOW_DAYS);
  }

  /**
   * Saves the draft, unless the lead has one in the same sequence from within the window: then that
   * draft (the latest) is the answer and nothing is saved. Writes through `tx` so the draft commits
   * together with its idempotency record. A window has no unique index to lean on, so a transaction
   * lock on (lead, sequence) orders racing creates: the second waits for the first to commit, and then
   * sees its draft.
   */
  async create(draft: NewDraft, tx: Queryable | undefined): Promise<CreatedDraft> {
    if (tx === undefined) return this.#db.transaction((own) => this.create(draft, own));
    const sequence = draft.sequence ?? null;
    if (this.windowMs > 0) {
      // Sequence names are never empty, so '' stands for "no sequence" without colliding with one. Two
      // pairs whose hashes collide only wait for each other.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `outreach_drafts\n${draft.lead_email}\n${sequence ?? ''}`,
      ]);
      const { rows } = await tx.query(
        `SELECT * FROM outreach_drafts
          WHERE lead_email = $1 AND sequence IS NOT DISTINCT FROM $2
            AND created_at > clock_timestamp() - $3 * interval '1 millisecond'
          ORDER BY seq DESC LIMIT 1`,
        [draft.lead_email, sequence, this.windowMs],
      );
      if (rows[0]) return { draft: toDraft(rows[0]), existing: true };
    }
    const { rows } = await tx.query(
      `INSERT INTO outreach_drafts (idempotency_key, lead_email, domain, subject, body, sequence)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [draft.idempotency_key, draft.lead_email, draft.domain, draft.subject, draft.body, sequence],
    );
    return { draft: toDraft(rows[0] as Row), existing: false };
  }

  /**
   * `create` for many drafts in one transaction, answered in order: each lead and sequence is
   * locked once (all of them in one sorted order, so two batches never wait on each other in a
   * circle), the window's drafts are read in one query and the new ones written in one statement.
   * A second draft of a batch for the same lead and sequence answers the first with existing: true,
   * as it would right after it. Idempotency keys are distinct here: the gate answers a repeated key
   * in a batch from its first item.
   */
  async createMany(drafts: readonly NewDraft[], tx: Queryable | undefined): Promise<CreatedDraft[]> {
    if (tx === undefined) return this.#db.transaction((own) => this.createMany(drafts, own));
    if (drafts.length === 0) return [];
    const pair = (draft: NewDraft) => `${draft.lead_email}\n${draft.sequence ?? ''}`;
    const recent = new Map<string, Draft>();
    if (this.windowMs > 0) {
      const pairs = [...new Set(drafts.map(pair))];
      await tx.query(
        `SELECT pg_advisory_xact_lock(h)
           FROM (SELECT DISTINCT hashtext('outreach_drafts' || E'\n' || p) AS h FROM unnest($1::text[]) AS p ORDER BY h) AS locks`,
        [pairs],
      );
      const { rows } = await tx.query(
        `SELECT DISTINCT ON (lead_email, coalesce(sequence, '')) * FROM outreach_drafts
          WHERE lead_email || E'\n' || coalesce(sequence, '') = ANY($1::text[])
            AND created_at > clock_timestamp() - $2 * interval '1 millisecond'
          ORDER BY lead_email, coalesce(sequence, ''), seq DESC`,
        [pairs, this.windowMs],
      );
      for (const row of rows) recent.set(`${row.lead_email}\n${row.sequence ?? ''}`, toDraft(row));
    }
    // Which items save a draft: the first of each lead and sequence the window does not hold yet.
    const saving: NewDraft[] = [];
    const first = new Map<string, NewDraft>();
    for (const draft of drafts) {
      const key = pair(draft);
      if (this.windowMs > 0 && (recent.has(key) || first.has(key))) continue;
      first.set(key, draft);
      saving.push(draft);
    }
    const saved = new Map<string, Draft>();
    if (saving.length > 0) {
      const { rows } = await tx.query(
        `INSERT INTO outreach_drafts (idempotency_key, lead_email, domain, subject, body, sequence)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         RETURNING *`,
        [
          saving.map((draft) => draft.idempotency_key),
          saving.map((draft) => draft.lead_email),
          saving.map((draft) => draft.domain),
          saving.map((draft) => draft.subject),
          saving.map((draft) => draft.body),
          saving.map((draft) => draft.sequence ?? null),
        ],
      );
      for (const row of rows) saved.set(String(row.idempotency_key), toDraft(row));
    }
    return drafts.map((draft) => {
      const own = saved.get(draft.idempotency_key);
      if (own !== undefined) return { draft: own, existing: false };
      const key = pair(draft);
      const earlier = recent.get(key) ?? saved.get((first.get(key) as NewDraft).idempotency_key);
      return { draft: earlier as Draft, existing: true };
    });
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
