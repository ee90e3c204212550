import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../store/Database.ts';

export interface KeyId {
  principal: string;
  tool: string;
  key: string;
}

/** What a caller finds when it presents an idempotency key. */
export type Claim =
  /** The key is new: this caller owns it until its lease expires. */
  | { kind: 'claimed'; owner: string }
  /** The previous owner's lease expired before it completed: this caller owns it now, and must look for the effect before making it again. */
  | { kind: 'taken_over'; owner: string }
  | { kind: 'completed'; result: Record<string, unknown> }
  | { kind: 'busy'; retryAfterMs: number }
  | { kind: 'mismatch' };

interface Row extends Record<string, unknown> {
  fingerprint: string;
  state: 'in_flight' | 'completed';
  result: Record<string, unknown> | null;
  lease_ms_left: number | string;
}

/**
 * The idempotency keys of one server: `(principal, tool, key)` → fingerprint of the arguments,
 * state, stored result, lease. Times come from the database clock, so replicas agree on leases.
 */
export class IdempotencyStore {
  readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  async claim(id: KeyId, fingerprint: string, leaseMs: number): Promise<Claim> {
    return this.#claimOn(this.db, id, fingerprint, leaseMs, false);
  }

  /**
   * Claims a key inside the transaction that will make the effect and store the result (a local
   * effect). The claim commits with the effect or not at all: an owner that dies mid-call — killed,
   * out of memory, its connection cut — leaves no key behind, so the next attempt runs at once instead
   * of waiting out a lease. A second caller meanwhile waits on the first one's row for at most
   * `waitMs` (Postgres's lock_timeout; PGlite runs one transaction at a time anyway), after which the
   * statement fails with lock_not_available (55P03). Keys left in flight by an upstream-style claim,
   * or by a release before this one, keep their lease rules.
   */
  async claimLocal(
    tx: Queryable,
    id: KeyId,
    fingerprint: string,
    leaseMs: number,
    waitMs: number,
  ): Promise<Claim> {
    await tx.query("SELECT set_config('lock_timeout', $1, true)", [`${Math.max(1, Math.round(waitMs))}ms`]);
    return this.#claimOn(tx, id, fingerprint, leaseMs, true);
  }

  /** One claim on `q`; inside a transaction (`lockRow`), the row found is held until it ends. */
  async #claimOn(
    q: Queryable,
    id: KeyId,
    fingerprint: string,
    leaseMs: number,
    lockRow: boolean,
  ): Promise<Claim> {
    const owner = randomUUID();
    const inserted = await q.query(
      `INSERT INTO tollgate_idempotency (principal, tool, key, fingerprint, state, owner, lease_expires_at)
       VALUES ($1, $2, $3, $4, 'in_flight', $5, now() + make_interval(secs => $6::double precision / 1000))
       ON CONFLICT (principal, tool, key) DO NOTHING
       RETURNING owner`,
      [id.principal, id.tool, id.key, fingerprint, owner, leaseMs],
    );
    if (inserted.rows.length === 1) return { kind: 'claimed', owner };

    const found = await q.query<Row>(
      `SELECT fingerprint, state, result,
              EXTRACT(EPOCH FROM (lease_expires_at - now())) * 1000 AS lease_ms_left
         FROM tollgate_idempotency WHERE principal = $1 AND tool = $2 AND key = $3${lockRow ? ' FOR UPDATE' : ''}`,
      [id.principal, id.tool, id.key],
    );
    const row = found.rows[0];
    // Swept or released between the two statements: the key is free again.
    if (row === undefined) return this.#claimOn(q, id, fingerprint, leaseMs, lockRow);
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.state === 'completed') return { kind: 'completed', result: row.result ?? {} };
    const leftMs = Number(row.lease_ms_left);
    if (leftMs > 0) return { kind: 'busy', retryAfterMs: Math.min(1000, Math.max(50, Math.ceil(leftMs))) };

    // Only one caller can move an expired lease forward; the others see it busy.
    const taken = await q.query(
      `UPDATE tollgate_idempotency
          SET owner = $4, attempts = attempts + 1,
              lease_expires_at = now() + make_interval(secs => $5::double precision / 1000)
        WHERE principal = $1 AND tool = $2 AND key = $3 AND state = 'in_flight' AND lease_expires_at <= now()
        RETURNING owner`,
      [id.principal, id.tool, id.key, owner, leaseMs],
    );
    if (taken.rows.length === 1) return { kind: 'taken_over', owner };
    return this.#claimOn(q, id, fingerprint, leaseMs, lockRow);
  }

  /**
   * Stores the result, in the same transaction as the effect when the effect is local. False when
   * this owner lost the key (its lease expired and another caller took it over).
   */
  async complete(tx: Queryable, id: KeyId, owner: string, result: Record<string, unknown>): Promise<boolean> {
    const updated = await tx.query(
      `UPDATE tollgate_idempotency SET state = 'completed', result = $5, completed_at = now()
        WHERE principal = $1 AND tool = $2 AND key = $3 AND owner = $4 AND state = 'in_flight'`,
      [id.principal, id.tool, id.key, owner, JSON.stringify(result)],
    );
    return updated.affected === 1;
  }

  /** Forgets a key whose call made no effect, so the caller may try again (inside `q`'s transaction, when given). */
  async release(id: KeyId, owner: string, q: Queryable = this.db): Promise<void> {
    await q.query(
      `DELETE FROM tollgate_idempotency
        WHERE principal = $1 AND tool = $2 AND key = $3 AND owner = $4 AND state = 'in_flight'`,
      [id.principal, id.tool, id.key, owner],
    );
  }

  /**
   * Ends a lease now, keeping the key in flight: the effect may have happened upstream, so the
   * next attempt takes over and looks for it before making it again.
   */
  async expire(id: KeyId, owner: string): Promise<void> {
    await this.db.query(
      `UPDATE tollgate_idempotency SET lease_expires_at = now()
        WHERE principal = $1 AND tool = $2 AND key = $3 AND owner = $4 AND state = 'in_flight'`,
      [id.principal, id.tool, id.key, owner],
    );
  }

  /**
   * Ends every lease still running: for a store that only one process can open (PGlite), called as
   * it opens, when every key in flight belongs to a process that is gone. Their next attempts take
   * over at once and look for the effect first, instead of waiting out a dead owner's lease.
   * Returns how many leases ended.
   */
  async expireAll(): Promise<number> {
    const updated = await this.db.query(
      `UPDATE tollgate_idempotency SET lease_expires_at = now()
        WHERE state = 'in_flight' AND lease_expires_at > now()`,
    );
    return updated.affected;
  }

  /** Deletes keys older than the retention period. Returns how many went. */
  async sweep(retentionMs: number): Promise<number> {
    const deleted = await this.db.query(
      `DELETE FROM tollgate_idempotency
        WHERE created_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [retentionMs],
    );
    return deleted.affected;
  }
}
