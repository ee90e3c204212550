import { migrate } from '@tollgate/core/store';
import { startCrmSimulator } from '@tollgate/simulators';
import { backends } from '@tollgate/testing/backends';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completeHubSpotTask, hubSpotAdapter, SHARED_SIMULATOR } from '../../test/crmTestVariants.ts';
import { type HubSpotHarness, hubSpotHarnesses } from '../../test/hubspotTestHarness.ts';
import { crmMigrations } from './migrations.ts';
import { OpenTaskGuard } from './OpenTaskGuard.ts';

const research = (key: string) => ({
  domain: 'acme.com',
  kind: 'manual_research' as const,
  note: 'No firmographics',
  idempotency_key: key,
});

type Answer = { task: { id: string }; existing: boolean };

// The one-open-task rule against HubSpot's lagging search, which the shared suite runs without lag.
describe('the HubSpot adapter keeps one open task per account and kind', () => {
  const harnesses = hubSpotHarnesses();
  let h: HubSpotHarness | undefined;
  beforeAll(harnesses.open);
  afterAll(harnesses.drop);
  afterEach(async () => {
    h?.expectNoToken();
    await h?.close();
    h = undefined;
  });

  it('answers concurrent creates under different keys with one task while search has not indexed it', async () => {
    // Slow answers, so a second search runs before the first create has answered.
    h = await harnesses.start({ indexingLagMs: 5_000, faults: { latency: { kind: 'fixed', ms: 300 } } });
    const { call, sim } = h;
    const answers = (await Promise.all(
      ['a', 'b', 'c', 'd'].map((key) => call('create_task', research(key))),
    )) as Answer[];
    expect(new Set(answers.map((answer) => answer.task.id)).size).toBe(1);
    expect(answers.filter((answer) => !answer.existing)).toHaveLength(1);
    const later = (await call('create_task', research('e'))) as Answer;
    expect(later).toMatchObject({ existing: true, task: { id: answers[0]?.task.id } });
    expect(sim.stats().records.tasks).toBe(1);
  });

  it('makes a new task when the one it remembers was completed before search caught up', async () => {
    h = await harnesses.start({ indexingLagMs: 5_000 });
    const { call, sim } = h;
    const first = (await call('create_task', research('a'))) as Answer;
    await completeHubSpotTask(sim, first.task.id);
    const next = (await call('create_task', research('b'))) as Answer;
    expect(next.existing).toBe(false);
    expect(next.task.id).not.toBe(first.task.id);
    expect(sim.stats().records.tasks).toBe(2);
  });

  const slots = [
    { domain: 'acme.com', kind: 'manual_research' },
    { domain: 'globex.com', kind: 'follow_up' },
    { domain: 'initech.com', kind: 'manual_research' },
  ] as const;
  const items = (prefix: string, order: readonly number[]) =>
    order.map((i) => ({ ...slots[i], note: 'n', idempotency_key: `${prefix}-${i}` }));
  type Results = { results: { ok: boolean; value?: Answer; error?: { code: string } }[] };

  it('answers concurrent create_tasks batches sharing slots, in other orders, with one task per slot while search lags', async () => {
    h = await harnesses.start({ indexingLagMs: 5_000, faults: { latency: { kind: 'fixed', ms: 200 } } });
    const { call, sim } = h;
    const answers = (await Promise.all([
      call('create_tasks', { items: items('a', [0, 1, 2]) }),
      call('create_tasks', { items: items('b', [2, 0, 1]) }),
      call('create_tasks', { items: items('c', [1, 2]) }),
    ])) as Results[];
    const ids = new Map<string, Set<string>>();
    for (const answer of answers) {
      for (const result of answer.results) {
        expect(result.ok).toBe(true);
        const task = result.value?.task as { id: string; domain?: string };
        const seen = ids.get(task.domain ?? '') ?? new Set<string>();
        seen.add(task.id);
        ids.set(task.domain ?? '', seen);
      }
    }
    expect([...ids.values()].map((seen) => seen.size)).toEqual([1, 1, 1]);
    expect(sim.stats().records.tasks).toBe(3);
  });
});

// Replicas of the CRM server behind a load balancer share one store; so does a server and its
// restart. Two adapters on one store stand for two such processes: each has its own memory, and
// only the store (and, on Postgres, its advisory lock) connects them.
describe.each(backends())('HubSpot adapters on one $name store (replicas, restarts)', (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  describe.skipIf(backend.skip !== '')('', () => {
    const start = async (simulator: Parameters<typeof startCrmSimulator>[0]) => {
      const { db, reopen, drop } = await backend.open();
      cleanups.push(drop);
      await migrate(db, 'crm', crmMigrations);
      const sim = await startCrmSimulator({ ...SHARED_SIMULATOR, ...simulator });
      cleanups.push(() => sim.close());
      // On Postgres each replica gets a connection pool of its own, as a process would, so only the
      // database connects them; an embedded store serves one process, which every replica here shares.
      const replica = async () => {
        const adapter = hubSpotAdapter(sim);
        adapter.attachStore(reopen === undefined ? db : await reopen());
        return adapter;
      };
      return { sim, replica };
    };

    it('finds the open task another process made before search shows it', async () => {
      const { sim, replica } = await start({ indexingLagMs: 5_000 });
      const first = await (await replica()).createTask(research('a'), undefined);
      const second = await (await replica()).createTask(research('b'), undefined);
      expect(second).toMatchObject({ existing: true, task: { id: first.task.id } });
      expect(sim.stats().records.tasks).toBe(1);
    });

    it('makes one task for concurrent creates from several processes while search lags', async () => {
      // Slow answers, so every process searches before any create has answered.
      const { sim, replica } = await start({
        indexingLagMs: 5_000,
        faults: { latency: { kind: 'fixed', ms: 300 } },
      });
      const processes = [await replica(), await replica(), await replica()];
      const answers = await Promise.all(
        ['a', 'b', 'c', 'd', 'e', 'f'].map((key, i) =>
          processes[i % 3]?.createTask(research(key), undefined),
        ),
      );
      expect(new Set(answers.map((answer) => answer?.task.id)).size).toBe(1);
      expect(answers.filter((answer) => answer?.existing === false)).toHaveLength(1);
      expect(sim.stats().records.tasks).toBe(1);
    });

    const batch = (prefix: string, domains: readonly string[]) =>
      domains.map((domain, i) => ({ ...research(`${prefix}-${i}`), domain }));

    it('finds the open tasks another process made in a batch before search shows them', async () => {
      const { sim, replica } = await start({ indexingLagMs: 5_000 });
      const domains = ['a.example', 'b.example', 'c.example'];
      const first = await (await replica()).createTasks(batch('a', domains), undefined);
      const second = await (await replica()).createTasks(batch('b', [...domains].reverse()), undefined);
      expect(second.map((answer) => (answer as Answer).existing)).toEqual([true, true, true]);
      expect(second.map((answer) => (answer as Answer).task.id)).toEqual(
        first.map((answer) => (answer as Answer).task.id).reverse(),
      );
      expect(sim.stats().records.tasks).toBe(3);
    });

    it('makes one task per slot for concurrent batches from several processes whose slots overlap in other orders', async () => {
      const { sim, replica } = await start({
        indexingLagMs: 5_000,
        faults: { latency: { kind: 'fixed', ms: 200 } },
      });
      const processes = [await replica(), await replica(), await replica()];
      const domains = ['a.example', 'b.example', 'c.example', 'd.example'];
      const orders = [domains, [...domains].reverse(), ['c.example', 'a.example', 'd.example']];
      const answers = (
        await Promise.all(
          orders.map((order, i) => processes[i]?.createTasks(batch(`p${i}`, order), undefined) ?? []),
        )
      ).flat() as Answer[];
      const byDomain = new Map<string, Set<string>>();
      for (const answer of answers) {
        const domain = (answer.task as { domain?: string }).domain ?? '';
        byDomain.set(domain, (byDomain.get(domain) ?? new Set()).add(answer.task.id));
      }
      expect([...byDomain.values()].map((ids) => ids.size)).toEqual([1, 1, 1, 1]);
      expect(answers.filter((answer) => !answer.existing)).toHaveLength(4);
      expect(sim.stats().records.tasks).toBe(4);
    });

    it('serializes batches sharing slots, in any order, without deadlock, and lets disjoint ones run together', async () => {
      const { db, reopen, drop } = await backend.open();
      cleanups.push(drop);
      await migrate(db, 'crm', crmMigrations);
      const guard = async () => {
        const g = new OpenTaskGuard();
        g.attachStore(reopen === undefined ? db : await reopen());
        return g;
      };
      const [one, two, three] = [await guard(), await guard(), await guard()];
      const log: string[] = [];
      const hold = (name: string) => async () => {
        log.push(`${name}+`);
        await new Promise((resolve) => setTimeout(resolve, 150));
        log.push(`${name}-`);
      };
      const startedAt = Date.now();
      await Promise.all([
        one?.serializeMany(['x', 'y'], hold('A')),
        two?.serializeMany(['y', 'x'], hold('B')),
        three?.serializeMany(['z'], hold('C')),
      ]);
      // A and B shared slots: one ran wholly before the other. C shared none: it ran alongside.
      const a = log.indexOf('A+');
      const b = log.indexOf('B+');
      const [firstOf, secondOf] = a < b ? ['A', 'B'] : ['B', 'A'];
      expect(log.indexOf(`${firstOf}-`)).toBeLessThan(log.indexOf(`${secondOf}+`));
      expect(log.indexOf('C+')).toBeLessThan(Math.max(log.indexOf('A-'), log.indexOf('B-')));
      expect(Date.now() - startedAt).toBeLessThan(1_000);
    });
  });
});
