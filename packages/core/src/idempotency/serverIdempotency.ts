import type { ErrorCode } from '../errors/codes.ts';
import {
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  isToolError,
  type ToolError,
} from '../errors/ToolError.ts';
import type { CallContext, GateStep, Outcome } from '../gate/CallContext.ts';
import type { Database, Queryable } from '../store/Database.ts';
import { migrate } from '../store/migrate.ts';
import { IDEMPOTENCY_KEY_FIELD } from '../tool/defineTool.ts';
import { batchCreate, type KeyRules } from './batchIdempotency.ts';
import { fingerprint } from './fingerprint.ts';
import { type Claim, IdempotencyStore, type KeyId } from './IdempotencyStore.ts';
import { coreMigrations } from './migrations.ts';

export interface IdempotencyOptions {
  /** How long a caller owns a key before another may take it over. Default 60 s; keep it above tool deadlines. */
  leaseMs?: number;
  /** How long a local create waits for another caller's transaction on the same key before answering busy. Default 2 s. */
  localWaitMs?: number;
  /** How long keys (and so replays) are kept. Default 24 h. */
  retentionMs?: number;
  /** How often old keys are swept. Default: a quarter of the retention, at most hourly. */
  sweepEveryMs?: number;
}

export interface ServerIdempotency {
  /** Pass as `createServer({ idempotency })`. */
  readonly step: GateStep;
  readonly store: IdempotencyStore;
  /** Stops the sweeper. The database stays open. */
  close(): void;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A claim that leaves this caller nothing to run. */
type NotOurs = Exclude<Claim, { owner: string }>;

/** Errors by which an upstream says it made nothing: the key can be freed for a corrected retry. */
const REFUSALS: ReadonlySet<ErrorCode> = new Set([
  'invalid_input',
  'not_found',
  'forbidden',
  'conflict',
  'quota_exhausted',
]);

/** A failure carried through a rolled-back transaction. */
class Rollback extends Error {
  constructor(readonly outcome: Outcome) {
    super('rolled back');
  }
}

/** A transaction handle that refuses use after its transaction ended (a handler still running past its deadline). */
function guard(tx: Queryable, isOpen: () => boolean): Queryable {
  const check = () => {
    if (!isOpen()) throw new Error('This call has already finished; its transaction is closed.');
  };
  return {
    query: (sql, params) => {
      check();
      return tx.query(sql, params);
    },
    exec: (sql) => {
      check();
      return tx.exec(sql);
    },
  };
}

/**
 * Server-enforced idempotency for `create` tools, stored in the server's own database:
 * - same key, same arguments, completed → the stored result again, marked replayed;
 * - same key, different arguments → terminal `idempotency_key_reused`;
 * - same key while the first call runs → retryable `idempotency_in_progress`;
 * - input that failed validation never reaches this step, so it stores nothing.
 *
 * The effect and the stored result commit in one transaction: handlers write through `ctx.db`.
 * A tool whose effect is upstream declares `recover`; when its call fails retryably or its lease
 * expires, the next attempt looks the effect up with `recover` before making it again.
 * Reads and upserts pass through: upserts are idempotent by their natural key.
 */
export async function serverIdempotency(
  db: Database,
  options: IdempotencyOptions = {},
): Promise<ServerIdempotency> {
  await migrate(db, 'tollgate_core', coreMigrations);
  const store = new IdempotencyStore(db);
  const leaseMs = options.leaseMs ?? 60_000;
  const localWaitMs = options.localWaitMs ?? 2_000;
  const retentionMs = options.retentionMs ?? DAY_MS;
  await store.sweep(retentionMs);
  // PGlite is one process's store (its data directory is locked while open), so a key in flight
  // now was left by a process that died mid-call. On a Postgres server other replicas may hold live
  // leases, so there a dead owner's key waits out its lease.
  if (db.kind === 'pglite') await store.expireAll();
  const sweeper = setInterval(
    () => void store.sweep(retentionMs).catch(() => undefined),
    options.sweepEveryMs ?? Math.min(retentionMs / 4, 60 * 60 * 1000),
  );
  sweeper.unref();

  const step: GateStep = async (ctx, next) => {
    const { definition } = ctx.tool;
    if (definition.kind !== 'create') return next();
    if (definition.batch !== undefined) return batchCreate(ctx, next, rules);
    const input = ctx.input as Record<string, unknown>;
    const id: KeyId = {
      principal: ctx.principal.id,
      tool: definition.name,
      key: String(input[IDEMPOTENCY_KEY_FIELD]),
    };
    const print = fingerprint(input, [IDEMPOTENCY_KEY_FIELD]);
    if (definition.recover === undefined) return runLocalEffect(ctx, next, id, print);
    const claim = await store.claim(id, print, leaseMs);
    if (claim.kind !== 'claimed' && claim.kind !== 'taken_over')
      return settled(ctx, claim, id, definition.name);
    ctx.recovering = claim.kind === 'taken_over';
    return runUpstreamEffect(next, id, claim.owner, definition.name);
  };

  /** The answer for a key that is not this caller's to run: a replay, a mismatch or busy. */
  function settled(ctx: CallContext, claim: NotOurs, id: KeyId, tool: string): Outcome {
    switch (claim.kind) {
      case 'mismatch':
        return fail(
          new IdempotencyKeyReusedError(
            `idempotency_key "${id.key}" was already used for ${tool} with different arguments.`,
          ),
        );
      case 'completed':
        ctx.replayed = true;
        return { ok: true, output: claim.result };
      case 'busy':
        return fail(busy(tool, claim.retryAfterMs));
    }
  }

  /**
   * The key, the effect and the stored result commit in one transaction; any failure rolls all three
   * back, so the key is free again — for a corrected retry, and at once after a crash.
   */
  async function runLocalEffect(ctx: CallContext, next: () => Promise<Outcome>, id: KeyId, print: string) {
    let open = true;
    try {
      return await db.transaction(async (tx) => {
        const claim = await store.claimLocal(tx, id, print, leaseMs, localWaitMs);
        if (claim.kind !== 'claimed' && claim.kind !== 'taken_over') {
          return settled(ctx, claim, id, ctx.tool.definition.name);
        }
        const { owner } = claim;
        ctx.recovering = claim.kind === 'taken_over';
        ctx.tx = guard(tx, () => open);
        const result = await next();
        if (!result.ok) throw new Rollback(result);
        if (!(await store.complete(tx, id, owner, result.output)))
          throw new Rollback(lostLease(ctx.tool.definition.name));
        return result;
      });
    } catch (error) {
      if (error instanceof Rollback) return error.outcome;
      // Another caller's transaction holds this key longer than we wait for it.
      if (isLockTimeout(error)) return fail(busy(ctx.tool.definition.name, 250));
      throw error;
    } finally {
      open = false;
      ctx.tx = undefined;
    }
  }

  /**
   * The effect happens upstream, outside any transaction of ours, and the result is stored after it.
   * A timeout, crash or garbled answer may leave an effect without a stored result, so any failure
   * but a refusal keeps the key and ends its lease: the next attempt takes it over and runs the
   * tool's `recover` first.
   */
  async function runUpstreamEffect(next: () => Promise<Outcome>, id: KeyId, owner: string, tool: string) {
    let result: Outcome;
    try {
      result = await next();
    } catch (error) {
      await settleFailure(isToolError(error) ? error : undefined, id, owner);
      throw error;
    }
    if (!result.ok) {
      await settleFailure(result.error, id, owner);
      return result;
    }
    if (!(await store.complete(db, id, owner, result.output))) return lostLease(tool);
    return result;
  }

  /**
   * Only a refusal proves nothing was made upstream, so only a refusal frees the key. A retryable
   * failure, a garbled answer (upstream_contract_violation) or an unknown throw may follow a write
   * that happened: the key stays, its lease ends, and the next attempt recovers first.
   */
  async function settleFailure(error: ToolError | undefined, id: KeyId, owner: string) {
    if (error !== undefined && REFUSALS.has(error.code)) await store.release(id, owner);
    else await store.expire(id, owner);
  }

  const rules: KeyRules = {
    db,
    store,
    leaseMs,
    localWaitMs,
    busy,
    lostLease,
    isLockTimeout,
    settleFailure,
    guard,
  };

  return { step, store, close: () => clearInterval(sweeper) };
}

function busy(tool: string, retryAfterMs: number): ToolError {
  return new IdempotencyInProgressError(`A ${tool} call with this idempotency_key is still running.`, {
    retryAfterMs,
  });
}

/** Postgres's lock_not_available, raised when lock_timeout ends a wait. */
function isLockTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '55P03';
}

function fail(error: ToolError): Outcome {
  return { ok: false, error };
}

function lostLease(tool: string): Outcome {
  return fail(
    new IdempotencyInProgressError(
      `The lease on this idempotency_key expired before ${tool} finished; another attempt owns it now.`,
      { retryAfterMs: 250 },
    ),
  );
}
