import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChaosWorld,
  createWorld,
  report,
  runNightlyProcess,
  serverPids,
} from '../../test/chaosHarness.ts';
import { SERVER_NAMES } from '../report/types.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function allServerPids(world: ChaosWorld): number[] {
  return SERVER_NAMES.flatMap((name) => serverPids(world, name));
}

/** Milliseconds until none of the world's server processes is left, or Infinity after `within`. */
async function goneWithin(world: ChaosWorld, within: number): Promise<number> {
  const begin = Date.now();
  while (Date.now() - begin < within) {
    if (allServerPids(world).length === 0) return Date.now() - begin;
    await sleep(50);
  }
  return Number.POSITIVE_INFINITY;
}

let world: ChaosWorld | undefined;
afterEach(async () => {
  for (const pid of world ? allServerPids(world) : []) process.kill(pid, 'SIGKILL');
  await world?.close();
  world = undefined;
});

// Before, the children lived on 10–20 s holding their stores, and a re-run failed to start them.
const GONE_WITHIN_MS = 3_000;

describe('the job killed alone, without its children', () => {
  for (const moment of ['while its servers start', 'in the middle of the run'] as const) {
    it(`leaves no server running when killed ${moment}, and a re-run at once finishes`, async () => {
      world = await createWorld({ accounts: 30 });
      const current = world;
      let job: ChildProcess | undefined;
      const killed = runNightlyProcess(current, 'orphans', {
        onStart: (child) => {
          job = child;
        },
      });
      // Wait for the four children, then (mid-run) for work to be under way.
      for (
        let i = 0;
        i < 600 && allServerPids(current).length < (moment === 'in the middle of the run' ? 4 : 1);
        i++
      ) {
        await sleep(25);
      }
      if (moment === 'in the middle of the run') await sleep(3_000);
      // SIGKILL to the job alone: no chance to close anything.
      process.kill(job?.pid as number, 'SIGKILL');
      expect((await killed).signal).toBe('SIGKILL');
      expect(await goneWithin(current, GONE_WITHIN_MS)).toBeLessThan(GONE_WITHIN_MS);

      const rerun = await runNightlyProcess(current, 'orphans');
      expect(rerun.code, rerun.stderr).toBe(0);
      expect((await report(current, 'orphans')).summary.accounts.total).toBe(30);
    }, 180_000);
  }
});
