import * as z from 'zod';
import { InvalidInputError, RateLimitedError } from '../src/errors/ToolError.ts';
import type { Database } from '../src/store/Database.ts';
import { migrate } from '../src/store/migrate.ts';
import { defineBatchTool } from '../src/tool/defineBatchTool.ts';
import { defineTool } from '../src/tool/defineTool.ts';

/** Per-call behaviour a test can steer: delays, and failures before or after the effect. */
export interface Behaviour {
  delayMs?: number;
  failBeforeEffect?: boolean;
  /** Makes the effect, then answers a retryable error, as a timeout after an upstream write would. */
  failAfterEffect?: boolean;
  /** Makes the effect, then never answers: a crash between effect and completion. */
  hangAfterEffect?: boolean;
  /** Refuses without making anything, as an upstream 400 would. */
  refuse?: boolean;
  /** Makes the effect, then answers in a shape the output schema refuses. */
  garbleAfterEffect?: boolean;
}

/** By behaviour id: a fixed behaviour, or a function asked once per handler run. */
export const behaviours = new Map<string, Behaviour | (() => Behaviour)>();

function behaviourOf(id: string | undefined): Behaviour {
  const found = behaviours.get(id ?? '');
  return typeof found === 'function' ? found() : (found ?? {});
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Effects are plain rows without unique constraints, so a duplicate effect is visible as a second row. */
export async function setUpEffects(db: Database): Promise<void> {
  await migrate(db, 'idempotency_tests', [
    {
      version: 1,
      name: 'effects',
      sql: `CREATE TABLE local_effects (id serial PRIMARY KEY, key text NOT NULL, label text NOT NULL);
            CREATE TABLE upstream_effects (id serial PRIMARY KEY, key text NOT NULL, label text NOT NULL);`,
    },
  ]);
}

const input = z.object({
  label: z.string().min(1).describe('What to create'),
  behaviour: z.string().optional().describe('Test behaviour id'),
});
const output = z.object({
  id: z.number().int().describe('Row id of the effect'),
  label: z.string().describe('What was created'),
});

/** A create whose effect lives in the server's own database, written through `ctx.db`. */
export function localCreate() {
  return defineTool({
    name: 'create_local',
    title: 'Create locally',
    description: 'Creates a row in the server database.',
    scopes: ['things:create'],
    kind: 'create',
    timeoutMs: 2_000,
    input,
    output,
    handler: async ({ label, behaviour, idempotency_key }, ctx) => {
      const b = behaviourOf(behaviour);
      if (b.delayMs) await sleep(b.delayMs);
      if (b.failBeforeEffect) throw new RateLimitedError('try later', { retryAfterMs: 10 });
      const db = ctx.db;
      if (db === undefined) throw new Error('no transaction');
      const { rows } = await db.query<{ id: number }>(
        'INSERT INTO local_effects (key, label) VALUES ($1, $2) RETURNING id',
        [idempotency_key, label],
      );
      if (b.failAfterEffect) throw new Error('lost connection after insert');
      return { id: (rows[0] as { id: number }).id, label };
    },
  });
}

/** A create whose effect lives upstream: written outside any transaction, found again by key. */
export function upstreamCreate(upstream: Database) {
  return defineTool({
    name: 'create_upstream',
    title: 'Create upstream',
    description: 'Creates a row in an upstream system.',
    scopes: ['things:create'],
    kind: 'create',
    openWorld: true,
    timeoutMs: 1_500,
    input,
    output,
    handler: async ({ label, behaviour, idempotency_key }) => {
      const b = behaviourOf(behaviour);
      if (b.delayMs) await sleep(b.delayMs);
      if (b.failBeforeEffect) throw new RateLimitedError('try later', { retryAfterMs: 10 });
      if (b.refuse) throw new InvalidInputError('upstream refused the label');
      const { rows } = await upstream.query<{ id: number }>(
        'INSERT INTO upstream_effects (key, label) VALUES ($1, $2) RETURNING id',
        [idempotency_key, label],
      );
      if (b.failAfterEffect) throw new RateLimitedError('answer lost after the write', { retryAfterMs: 10 });
      if (b.hangAfterEffect) await new Promise((resolve) => setTimeout(resolve, 5_000).unref());
      if (b.garbleAfterEffect) return { id: 'not a number', label } as never;
      return { id: (rows[0] as { id: number }).id, label };
    },
    recover: async ({ idempotency_key }) => {
      const { rows } = await upstream.query<{ id: number; label: string }>(
        'SELECT id, label FROM upstream_effects WHERE key = $1 ORDER BY id LIMIT 1',
        [idempotency_key],
      );
      return rows[0];
    },
  });
}

export async function countEffects(db: Database, table: 'local_effects' | 'upstream_effects', key: string) {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE key = $1`, [key]);
  return Number(rows[0]?.n ?? 0);
}

const batchItem = z.object({ label: z.string().min(1).describe('What to create') });

/** The batch form of `create_local`: every item's row written through `ctx.db`, in one transaction. */
export function localBatchCreate(options: { delayMs?: () => number } = {}) {
  return defineBatchTool({
    name: 'create_local_batch',
    description: 'Creates rows in the server database, each item with its own idempotency_key.',
    scopes: ['things:create'],
    kind: 'create',
    timeoutMs: 5_000,
    item: batchItem,
    value: output,
    handler: async (items, ctx) => {
      await sleep(options.delayMs?.() ?? 0);
      const answers = [];
      for (const { label, idempotency_key } of items) {
        const { rows } = await ctx.db.query<{ id: number }>(
          'INSERT INTO local_effects (key, label) VALUES ($1, $2) RETURNING id',
          [idempotency_key, label],
        );
        answers.push({ id: (rows[0] as { id: number }).id, label });
      }
      return answers;
    },
  });
}

/**
 * The batch form of `create_upstream`: rows written outside any transaction and found again by key.
 * `loseAnswer()` true makes the writes, then fails the whole call retryably, as a lost response would.
 */
export function upstreamBatchCreate(upstream: Database, options: { loseAnswer?: () => boolean } = {}) {
  return defineBatchTool({
    name: 'create_upstream_batch',
    description: 'Creates rows upstream, each item with its own idempotency_key.',
    scopes: ['things:create'],
    kind: 'create',
    openWorld: true,
    timeoutMs: 5_000,
    item: batchItem,
    value: output,
    handler: async (items) => {
      const answers = [];
      for (const { label, idempotency_key } of items) {
        const { rows } = await upstream.query<{ id: number }>(
          'INSERT INTO upstream_effects (key, label) VALUES ($1, $2) RETURNING id',
          [idempotency_key, label],
        );
        answers.push({ id: (rows[0] as { id: number }).id, label });
      }
      if (options.loseAnswer?.())
        throw new RateLimitedError('answer lost after the writes', { retryAfterMs: 10 });
      return answers;
    },
    recover: async (items) => {
      const { rows } = await upstream.query<{ id: number; label: string; key: string }>(
        'SELECT DISTINCT ON (key) id, label, key FROM upstream_effects WHERE key = ANY($1) ORDER BY key, id',
        [items.map((item) => item.idempotency_key)],
      );
      const found = new Map(rows.map(({ id, label, key }) => [key, { id, label }]));
      return items.map((item) => found.get(item.idempotency_key));
    },
  });
}
