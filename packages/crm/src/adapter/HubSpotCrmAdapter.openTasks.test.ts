import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completeHubSpotTask, hubSpotAdapter } from '../../test/crmTestVariants.ts';
import { type HubSpotHarness, hubSpotHarnesses } from '../../test/hubspotTestHarness.ts';

const research = (key: string) => ({
  domain: 'acme.com',
  kind: 'manual_research',
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

  it('finds an open task another process made once search shows it, and not before (the documented limit)', async () => {
    h = await harnesses.start({ indexingLagMs: 400 });
    const { call, sim } = h;
    const first = (await call('create_task', research('a'))) as Answer;
    // A second server process on the same portal has no memory of the first one's task.
    const replica = hubSpotAdapter(sim);
    const input = { ...research('replica:b'), kind: 'manual_research' as const };
    const early = await replica.createTask(input, undefined);
    expect(early.existing).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const indexed = await replica.createTask({ ...input, idempotency_key: 'replica:c' }, undefined);
    expect(indexed).toMatchObject({ existing: true, task: { id: first.task.id } });
    expect(sim.stats().records.tasks).toBe(2);
  });
});
