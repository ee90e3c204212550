import { join } from 'node:path';
import { openPglite, pgliteSnapshot } from '@tollgate/core/store';
import { warehouseContract } from '@tollgate/warehouse/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChaosWorld, createWorld, listAll, report, runNightlyProcess } from '../../test/chaosHarness.ts';
import { pendingOutcome } from '../job/processPage.ts';
import { RunLedger } from '../ledger/RunLedger.ts';

let world: ChaosWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const utcDate = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/**
 * Leaves in the world's ledger what a run killed yesterday leaves: `running`, its first `finished`
 * accounts done, and no process behind it.
 */
async function killedRunFromYesterday(world: ChaosWorld, finished: number): Promise<string> {
  const runKey = utcDate(-1);
  const accounts = await listAll(world, 'warehouse', warehouseContract.list_accounts, 'accounts');
  const db = await openPglite({
    dataDir: join(world.home, 'orchestrator', 'pgdata'),
    snapshot: await pgliteSnapshot(world.home),
  });
  try {
    const ledger = await RunLedger.open(db);
    await ledger.begin(runKey, 'gone-host:4242');
    for (const account of accounts.slice(0, finished))
      await ledger.record(runKey, { ...pendingOutcome(account), status: 'done' });
  } finally {
    await db.close();
  }
  return runKey;
}

describe('a nightly run started without --run-key after an unfinished one', () => {
  it("resumes yesterday's killed run and says so, instead of starting today's over it", async () => {
    world = await createWorld({ accounts: 10 });
    const yesterday = await killedRunFromYesterday(world, 4);
    const today = utcDate(0);

    const resumed = await runNightlyProcess(world, undefined);
    expect(resumed.code, resumed.stderr).toBe(0);
    // Before: a new run under today's key, redoing every account; yesterday's stayed "running".
    expect(resumed.stderr).toContain(
      `Resuming unfinished run ${yesterday} (its process stopped without finishing; 4 accounts finished so far); pass --new-run to start ${today} instead.`,
    );
    const final = await report(world, yesterday);
    expect(final.summary).toMatchObject({
      status: 'completed',
      accounts: { total: 10, resumed: 4, pending: 0 },
    });
    await expect(report(world, today)).rejects.toThrow(/No report for run key/);

    // Once it is finished, the next run is today's.
    const next = await runNightlyProcess(world, undefined, { extraArgs: ['--limit', '2'] });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).not.toContain('Resuming');
    expect((await report(world, today)).summary.accounts.total).toBe(2);
  }, 240_000);

  it('starts today anyway with --new-run, and says how to resume the unfinished one', async () => {
    world = await createWorld({ accounts: 6 });
    const yesterday = await killedRunFromYesterday(world, 2);
    const today = utcDate(0);
    const fresh = await runNightlyProcess(world, undefined, { extraArgs: ['--new-run', '--limit', '2'] });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).toContain(
      `Starting new run ${today}. Run ${yesterday} stays unfinished (its process stopped without finishing; 2 accounts finished so far); resume it with: tollgate run nightly --run-key ${yesterday}`,
    );
    expect((await report(world, today)).summary.accounts.total).toBe(2);
    await expect(report(world, yesterday)).rejects.toThrow(/No report for run key/);
  }, 240_000);
});
