import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChaosWorld,
  countDuplicates,
  createWorld,
  report,
  runNightlyProcess,
} from '../../test/chaosHarness.ts';

let world: ChaosWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the nightly job run again under another run key', () => {
  it('drafts no lead twice and opens no second research task: the servers hold the rule, not the key', async () => {
    world = await createWorld({ accounts: 40 });
    const first = await runNightlyProcess(world, 'night-1');
    expect(first.code, first.stderr).toBe(0);
    const firstNight = await countDuplicates(world);
    const { accounts } = await report(world, 'night-1');
    const drafted = accounts.filter((account) => account.action === 'draft').length;
    const routed = accounts.filter((account) => account.action === 'research_task').length;
    // The run has both kinds of create, or this test would prove nothing.
    expect(drafted).toBeGreaterThan(0);
    expect(routed).toBeGreaterThan(0);
    expect(firstNight).toMatchObject({ drafts: drafted, tasks: routed });

    // The next night (or a resume after midnight under a new key): every idempotency key is new.
    const second = await runNightlyProcess(world, 'night-2');
    expect(second.code, second.stderr).toBe(0);
    const secondNight = await countDuplicates(world);
    // Before: each drafted lead got a second draft and each thin account a second research task.
    expect(secondNight.drafts).toBe(drafted);
    expect(secondNight.tasks).toBe(routed);
    expect(secondNight.duplicateDrafts).toEqual([]);
    expect(secondNight.duplicateTasks).toEqual([]);
  }, 240_000);
});
