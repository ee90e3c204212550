import { IdempotencyKeyReusedError, isToolError, type ToolError } from '../errors/ToolError.ts';
import type { BatchItem, CallContext, Outcome } from '../gate/CallContext.ts';
import type { Database, Queryable } from '../store/Database.ts';
import { IDEMPOTENCY_KEY_FIELD } from '../tool/defineTool.ts';
import { fingerprint } from './fingerprint.ts';
import type { Claim, IdempotencyStore, KeyId } from './IdempotencyStore.ts';

/** What the single-call idempotency step lends the batch one: the same store, rules and answers. */
export interface KeyRules {
  db: Database;
  store: IdempotencyStore;
  leaseMs: number;
  localWaitMs: number;
  busy(tool: string, retryAfterMs: number): ToolError;
  lostLease(tool: string): Outcome;
  isLockTimeout(error: unknown): boolean;
  /** Frees or keeps an upstream key after a failure (see serverIdempotency's settleFailure). */
  settleFailure(error: ToolError | undefined, id: KeyId, owner: string): Promise<void>;
  guard(tx: Queryable, isOpen: () => boolean): Queryable;
}

interface Keyed {
  item: BatchItem;
  id: KeyId;
  print: string;
  /** Set while this caller owns the key. */
  owner?: string;
}

/**
 * Idempotency for a batch create: each item's key with a single call's rules. A completed key
 * replays its stored answer, other arguments under a used key are refused, a key in flight is
 * busy; the items left run together, and each one's answer is stored under its own key. Two items
 * of one call with one key are answered as a repeat would be: the second replays the first (or is
 * refused, with other arguments).
 */
export async function batchCreate(ctx: CallContext, next: () => Promise<Outcome>, rules: KeyRules) {
  const tool = ctx.tool.definition.name;
  const leaders: Keyed[] = [];
  const followers: { item: BatchItem; leader: Keyed; print: string }[] = [];
  const byKey = new Map<string, Keyed>();
  for (const item of ctx.batch ?? []) {
    if (item.input === undefined || item.outcome !== undefined) continue;
    const key = String(item.input[IDEMPOTENCY_KEY_FIELD]);
    const print = fingerprint(item.input, [IDEMPOTENCY_KEY_FIELD]);
    const leader = byKey.get(key);
    if (leader !== undefined) {
      followers.push({ item, leader, print });
      // Not the handler's to run: answered from its leader once that one is.
      item.outcome = { ok: false, error: rules.busy(tool, 250) };
      continue;
    }
    const keyed: Keyed = { item, id: { principal: ctx.principal.id, tool, key }, print };
    byKey.set(key, keyed);
    leaders.push(keyed);
  }
  const result =
    ctx.tool.definition.batch?.recover === undefined
      ? await local(ctx, next, rules, leaders)
      : await upstream(ctx, next, rules, leaders);
  for (const { item, leader, print } of followers) {
    if (print !== leader.print) {
      item.outcome = { ok: false, error: reused(leader.id.key, tool) };
    } else {
      item.outcome = leader.item.outcome;
      item.replayed = leader.item.outcome?.ok === true;
    }
  }
  return result;
}

/** Settles an item whose key is not this caller's to run: a replay, a mismatch or busy. */
function settle(
  item: BatchItem,
  claim: Exclude<Claim, { owner: string }>,
  id: KeyId,
  tool: string,
  rules: KeyRules,
) {
  switch (claim.kind) {
    case 'mismatch':
      item.outcome = { ok: false, error: reused(id.key, tool) };
      return;
    case 'completed':
      item.outcome = { ok: true, output: claim.result };
      item.replayed = true;
      return;
    case 'busy':
      item.outcome = { ok: false, error: rules.busy(tool, claim.retryAfterMs) };
  }
}

/**
 * Local effects: every item's key, effect and stored answer commit in one transaction. An item
 * answered with an error gives its key back inside it; a throw rolls the whole call back.
 */
async function local(ctx: CallContext, next: () => Promise<Outcome>, rules: KeyRules, leaders: Keyed[]) {
  const tool = ctx.tool.definition.name;
  let open = true;
  // Keys are locked in one order by every caller, so two batches sharing keys wait for each other
  // instead of deadlocking (each holding a key the other needs).
  const ordered = [...leaders].sort((a, b) => (a.id.key < b.id.key ? -1 : a.id.key > b.id.key ? 1 : 0));
  try {
    return await rules.db.transaction(async (tx) => {
      for (const keyed of ordered) {
        // One item's key held by another caller's transaction must not abort the others' claims.
        await tx.exec('SAVEPOINT tollgate_item');
        let claim: Claim;
        try {
          claim = await rules.store.claimLocal(tx, keyed.id, keyed.print, rules.leaseMs, rules.localWaitMs);
          await tx.exec('RELEASE SAVEPOINT tollgate_item');
        } catch (error) {
          if (!rules.isLockTimeout(error)) throw error;
          await tx.exec('ROLLBACK TO SAVEPOINT tollgate_item');
          keyed.item.outcome = { ok: false, error: rules.busy(tool, 250) };
          continue;
        }
        if (claim.kind === 'claimed' || claim.kind === 'taken_over') {
          keyed.owner = claim.owner;
          keyed.item.recovering = claim.kind === 'taken_over';
        } else settle(keyed.item, claim, keyed.id, tool, rules);
      }
      ctx.tx = rules.guard(tx, () => open);
      const result = await next();
      for (const keyed of leaders) {
        if (keyed.owner === undefined) continue;
        const outcome = keyed.item.outcome;
        if (outcome?.ok === true) {
          if (!(await rules.store.complete(tx, keyed.id, keyed.owner, outcome.output)))
            keyed.item.outcome = rules.lostLease(tool);
        } else await rules.store.release(keyed.id, keyed.owner, tx);
      }
      return result;
    });
  } catch (error) {
    // Rows the handler writes can still meet another transaction's in a cycle: Postgres ends one of
    // them, which rolled back whole and may run again.
    if (isDeadlock(error)) return { ok: false, error: rules.busy(tool, 100) } satisfies Outcome;
    throw error;
  } finally {
    open = false;
    ctx.tx = undefined;
  }
}

/** Postgres's deadlock_detected. */
function isDeadlock(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '40P01';
}

/**
 * Upstream effects: each key is claimed on its own, the effects happen outside any transaction of
 * ours, and each answer is stored after them. A failure keeps or frees each key by the rule a
 * single call follows (only a refusal proves nothing was made).
 */
async function upstream(ctx: CallContext, next: () => Promise<Outcome>, rules: KeyRules, leaders: Keyed[]) {
  const tool = ctx.tool.definition.name;
  for (const keyed of leaders) {
    const claim = await rules.store.claim(keyed.id, keyed.print, rules.leaseMs);
    if (claim.kind === 'claimed' || claim.kind === 'taken_over') {
      keyed.owner = claim.owner;
      keyed.item.recovering = claim.kind === 'taken_over';
    } else settle(keyed.item, claim, keyed.id, tool, rules);
  }
  const owned = leaders.filter((keyed) => keyed.owner !== undefined);
  let result: Outcome;
  try {
    result = await next();
  } catch (error) {
    const failure = isToolError(error) ? error : undefined;
    await Promise.all(owned.map((keyed) => rules.settleFailure(failure, keyed.id, keyed.owner as string)));
    throw error;
  }
  for (const keyed of owned) {
    const owner = keyed.owner as string;
    const outcome = keyed.item.outcome;
    if (outcome?.ok === true) {
      if (!(await rules.store.complete(rules.db, keyed.id, owner, outcome.output)))
        keyed.item.outcome = rules.lostLease(tool);
    } else await rules.settleFailure(outcome?.error, keyed.id, owner);
  }
  return result;
}

function reused(key: string, tool: string): ToolError {
  return new IdempotencyKeyReusedError(
    `idempotency_key "${key}" was already used for ${tool} with different arguments.`,
  );
}
