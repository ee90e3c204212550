import { borrowed, captureLogs } from '@tollgate/testing';
import { backends } from '@tollgate/testing/backends';
import type { TestDatabase } from '@tollgate/testing/databases';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countEffects, localBatchCreate, setUpEffects, upstreamBatchCreate } from '../../test/testTools.ts';
import { createServer, type TollgateServer } from '../server/createServer.ts';
import type { Database } from '../store/Database.ts';

const principal = { id: 'nightly', scopes: new Set(['things:create']) };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let runs = 0;

interface ItemResult {
  ok: boolean;
  value?: { id: number; label: string };
  error?: { code: string; retryable: boolean; retry_after_ms?: number };
}

describe.each(backends())('batch idempotency under concurrency on $name (property)', (backend) => {
  let test: TestDatabase;
  const replicas: TollgateServer[] = [];
  let loseNext = false;

  beforeAll(async () => {
    if (backend.skip) return;
    test = await backend.open();
    await setUpEffects(test.db);
    // On Postgres, three replicas with their own pools share the database; PGlite has one.
    const dbs: Database[] = test.reopen ? [test.db, await test.reopen(), await test.reopen()] : [test.db];
    for (const db of dbs) {
      replicas.push(
        createServer({
          name: 'idem',
          version: '1.0.0',
          tools: [
            localBatchCreate({ delayMs: () => Math.floor(Math.random() * 20) }),
            upstreamBatchCreate(db, {
              loseAnswer: () => {
                const lose = loseNext;
                loseNext = false;
                return lose;
              },
            }),
          ],
          store: borrowed(db),
          idempotency: { leaseMs: 250 },
          log: { destination: captureLogs().stream },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const server of replicas) await server.close();
    await test?.drop();
  });

  it.skipIf(backend.skip !== '')(
    'makes each key’s effect once and gives every caller of a key the same answer, however batches overlap',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('create_local_batch', 'create_upstream_batch'),
          // Each caller sends a batch of keys out of a pool of five, in its own order, repeats allowed.
          fc.array(fc.array(fc.nat(4), { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 5 }),
          fc.boolean(),
          async (tool, callers, loseFirst) => {
            const run = ++runs;
            const key = (k: number) => `batch-${run}-${k}`;
            loseNext = loseFirst && tool === 'create_upstream_batch';
            const answers = new Map<string, unknown[]>();
            await Promise.all(
              callers.map(async (keys, index) => {
                const server = replicas[index % replicas.length] as TollgateServer;
                let pending = keys;
                // Like any client: send again only the items that failed retryably.
                for (let attempt = 1; pending.length > 0 && attempt <= 60; attempt++) {
                  const result = await server.gate.call({
                    name: tool,
                    arguments: {
                      items: pending.map((k) => ({ label: `label-${k}`, idempotency_key: key(k) })),
                    },
                    principal,
                    meta: { 'tollgate/attempt': attempt },
                  });
                  const structured = result.structuredContent as {
                    results?: ItemResult[];
                    error?: { retryable: boolean };
                  };
                  if (result.isError) {
                    // A whole call lost on the way back is retried whole.
                    expect(structured.error?.retryable).toBe(true);
                    await sleep(10);
                    continue;
                  }
                  const retry: number[] = [];
                  (structured.results ?? []).forEach((item, i) => {
                    const k = pending[i] as number;
                    if (item.ok) {
                      const seen = answers.get(key(k)) ?? [];
                      seen.push(item.value);
                      answers.set(key(k), seen);
                    } else {
                      expect(item.error).toMatchObject({ code: 'idempotency_in_progress', retryable: true });
                      retry.push(k);
                    }
                  });
                  pending = retry;
                  if (pending.length > 0) await sleep(15);
                }
                expect(pending).toEqual([]);
              }),
            );
            const table = tool === 'create_local_batch' ? 'local_effects' : 'upstream_effects';
            for (const k of new Set(callers.flat())) {
              expect(await countEffects(test.db, table, key(k))).toBe(1);
              const seen = answers.get(key(k)) ?? [];
              expect(seen.length).toBeGreaterThan(0);
              for (const answer of seen) expect(answer).toEqual(seen[0]);
            }
          },
        ),
        { numRuns: 20 },
      );
    },
    180_000,
  );
});
