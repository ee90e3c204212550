import { borrowed, captureLogs } from '@tollgate/testing';
import { backends } from '@tollgate/testing/backends';
import type { TestDatabase } from '@tollgate/testing/databases';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behaviours, countEffects, localCreate, setUpEffects, upstreamCreate } from '../../test/testTools.ts';
import { toolErrorEnvelopeSchema } from '../gate/CompiledTool.ts';
import { createServer, type TollgateServer } from '../server/createServer.ts';
import type { Database } from '../store/Database.ts';

const principal = { id: 'nightly', scopes: new Set(['things:create']) };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let runs = 0;

describe.each(backends())('idempotency under concurrency on $name (property)', (backend) => {
  let test: TestDatabase;
  const replicas: { server: TollgateServer; db: Database }[] = [];

  beforeAll(async () => {
    if (backend.skip) return;
    test = await backend.open();
    await setUpEffects(test.db);
    // On Postgres, three replicas with their own connection pools share the database, as servers
    // behind a load balancer would. PGlite is one process's database: all callers share it.
    const dbs = test.reopen ? [test.db, await test.reopen(), await test.reopen()] : [test.db];
    for (const db of dbs) {
      const server = createServer({
        name: 'idem',
        version: '1.0.0',
        tools: [localCreate(), upstreamCreate(db)],
        store: borrowed(db),
        idempotency: { leaseMs: 250 },
        log: { destination: captureLogs().stream },
      });
      replicas.push({ server, db });
    }
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.server.close();
    await test?.drop();
  });

  it.skipIf(backend.skip !== '')(
    'makes exactly one effect, and gives every caller the same result or a retryable in-progress',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('create_local', 'create_upstream'),
          fc.array(fc.record({ startMs: fc.nat(40), workMs: fc.nat(40) }), { minLength: 2, maxLength: 6 }),
          fc.boolean(),
          async (tool, callers, crashFirst) => {
            const key = `run-${++runs}`;
            const crash = crashFirst && tool === 'create_upstream';
            // Every caller sends the same arguments; the handler's behaviour differs per run of it.
            const work = callers.map((caller) => caller.workMs);
            let handlerRuns = 0;
            behaviours.set(key, () => {
              const run = handlerRuns++;
              return {
                delayMs: work[run % work.length] ?? 0,
                ...(crash && run === 0 ? { hangAfterEffect: true } : {}),
              };
            });
            const outcomes = await Promise.all(
              callers.map(async (caller, index) => {
                await sleep(index === 0 ? 0 : caller.startMs);
                const replica = replicas[index % replicas.length] as (typeof replicas)[number];
                const seen: string[] = [];
                // Like any client: retry what is retryable, after the time the server asks for.
                for (let attempt = 1; attempt <= 40; attempt++) {
                  const result = await replica.server.gate.call({
                    name: tool,
                    arguments: { label: 'same', behaviour: key, idempotency_key: key },
                    principal,
                    meta: { 'tollgate/attempt': attempt },
                  });
                  if (!result.isError) return { seen, output: result.structuredContent };
                  const { error } = toolErrorEnvelopeSchema.parse(result.structuredContent);
                  seen.push(error.code);
                  // The crashed owner's own call ends at its deadline; a crashed process gets no answer.
                  if (error.code === 'timeout') return { seen, output: undefined };
                  if (!error.retryable) return { seen, output: undefined };
                  await sleep(error.retry_after_ms ?? 20);
                }
                return { seen, output: undefined };
              }),
            );
            const table = tool === 'create_local' ? 'local_effects' : 'upstream_effects';
            expect(await countEffects(test.db, table, key)).toBe(1);
            const crashed = outcomes.filter((outcome) => outcome.seen.at(-1) === 'timeout');
            expect(crashed.length).toBe(crash ? 1 : 0);
            const survivors = outcomes.filter((outcome) => !crashed.includes(outcome));
            for (const outcome of survivors) {
              expect(outcome.output).toBeDefined();
              expect(outcome.output).toEqual(survivors[0]?.output);
              for (const code of outcome.seen) expect(code).toBe('idempotency_in_progress');
            }
          },
        ),
        { numRuns: 25 },
      );
    },
    120_000,
  );
});
