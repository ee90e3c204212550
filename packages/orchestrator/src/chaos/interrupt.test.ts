import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChaosWorld,
  createWorld,
  expectCleanFinish,
  report,
  runNightlyProcess,
} from '../../test/chaosHarness.ts';

let world: ChaosWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Ctrl-C on a terminal: SIGINT to the whole foreground process group, the job and its servers. */
function ctrlC(child: ChildProcess): void {
  if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
}

/** Calls `then` once the CRM simulator holds `accounts` accounts: the run is under way, with more to come. */
function whenCrmBusy(world: ChaosWorld, accounts: number, then: () => void): void {
  const timer = setInterval(() => {
    if (world.crm.stats().records.companies >= accounts) {
      clearInterval(timer);
      then();
    }
  }, 25);
}

/** The command the summary says resumes the run, as arguments after `tollgate`. */
function resumeArgs(stdout: string): string[] {
  const line = stdout.match(/resume with:\n {2}tollgate (.+)\n/)?.[1];
  expect(line, stdout).toBeDefined();
  return (line ?? '').split(' ');
}

describe('a nightly run stopped with Ctrl-C', () => {
  it('is reported interrupted, counts every listed account it did not finish as pending, exits 130, and resumes with the command it prints', async () => {
    world = await createWorld({ accounts: 40 });
    const current = world;
    const stopped = await runNightlyProcess(current, 'ctrl-c', {
      extraArgs: ['--limit', '30'],
      onStart: (child) => whenCrmBusy(current, 5, () => ctrlC(child)),
    });
    expect(stopped.code, stopped.stderr).toBe(130);
    const partial = await report(current, 'ctrl-c');
    const finished = partial.accounts.filter((account) => account.status !== 'pending').length;
    expect(partial.summary.status).toBe('interrupted');
    // Every account of the listing up to --limit, reached or not: before, only those reached counted.
    expect(partial.summary.accounts.total).toBe(30);
    expect(finished).toBeGreaterThan(0);
    expect(partial.summary.accounts.pending).toBe(30 - finished);
    expect(partial.summary.accounts.pending).toBeGreaterThan(0);
    expect(stopped.stdout).toMatch(/^Nightly run ctrl-c: interrupted/m);
    expect(stopped.stderr).toContain('Press Ctrl-C again to exit at once');

    const args = resumeArgs(stopped.stdout);
    expect(args.join(' ')).toBe(`run nightly --run-key ctrl-c --limit 30 --config ${current.configPath}`);
    const resumed = await runNightlyProcess(current, undefined, { args });
    expect(resumed.code, resumed.stderr).toBe(0);
    const final = await expectCleanFinish(current, 'ctrl-c', 30);
    expect(final.summary.status).toBe('completed');
    expect(final.summary.accounts.resumed).toBe(finished);
  }, 240_000);

  it('exits at once on a second Ctrl-C, and leaves a ledger the next run resumes from', async () => {
    world = await createWorld({ accounts: 30 });
    const current = world;
    let second = 0;
    const stopped = await runNightlyProcess(current, 'ctrl-c-twice', {
      onStart: (child) =>
        whenCrmBusy(current, 5, () => {
          ctrlC(child);
          setTimeout(() => {
            second = Date.now();
            ctrlC(child);
          }, 200);
        }),
    });
    const exitedAfter = Date.now() - second;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('exiting now');
    expect(stopped.stderr).toContain('resume with: tollgate run nightly --run-key ctrl-c-twice');
    expect(exitedAfter).toBeLessThan(2_000);

    // Straight away, as an impatient operator would: no lock is left behind, nothing is written twice.
    const resumed = await runNightlyProcess(current, 'ctrl-c-twice');
    expect(resumed.code, resumed.stderr).toBe(0);
    await expectCleanFinish(current, 'ctrl-c-twice', 30);
  }, 240_000);

  it('stops gently on SIGTERM too, and exits 143', async () => {
    world = await createWorld({ accounts: 20 });
    const current = world;
    const stopped = await runNightlyProcess(current, 'sigterm', {
      onStart: (child) => whenCrmBusy(current, 3, () => child.kill('SIGTERM')),
    });
    expect(stopped.code, stopped.stderr).toBe(143);
    const partial = await report(current, 'sigterm');
    expect(partial.summary.status).toBe('interrupted');
    expect(partial.summary.accounts.total).toBe(20);
  }, 240_000);
});
