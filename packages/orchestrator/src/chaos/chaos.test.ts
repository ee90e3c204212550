import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChaosWorld,
  createWorld,
  expectCleanFinish,
  killGroup,
  report,
  runNightlyProcess,
  serverPids,
} from '../../test/chaosHarness.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let world: ChaosWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the nightly job under chaos', () => {
  it('resumes after kill -9 at random moments and ends with nothing written twice', async () => {
    world = await createWorld({
      accounts: 60,
      crm: { faults: { errors: { server_error: 0.03, lock: 0.02 } } },
    });
    const kills = Array.from({ length: 3 }, () => 4_000 + Math.floor(Math.random() * 5_000));
    for (const at of kills) {
      const killed = await runNightlyProcess(world, 'chaos-kill', { killAfterMs: at });
      expect(killed.signal === 'SIGKILL' || killed.code === 0).toBe(true);
    }
    const final = await runNightlyProcess(world, 'chaos-kill');
    expect(final.code, `${final.stderr}\nkills at ${kills.join(', ')} ms`).toBe(0);
    await expectCleanFinish(world, 'chaos-kill', 60);
  }, 240_000);

  it('survives a server crashing mid-run', async () => {
    world = await createWorld({ accounts: 60 });
    const current = world;
    const run = runNightlyProcess(current, 'chaos-crash');
    let crashed = 0;
    for (let waited = 0; waited < 30_000 && crashed === 0; waited += 100) {
      await sleep(100);
      const pids = serverPids(current, 'crm');
      // Let the job get going first (the CRM holds some accounts), then take its CRM server down hard.
      if (pids.length > 0 && current.crm.stats().records.companies >= 10) {
        for (const pid of pids) process.kill(pid, 'SIGKILL');
        crashed = pids.length;
      }
    }
    const result = await run;
    expect(crashed).toBeGreaterThan(0);
    expect(result.code, result.stderr).toBe(0);
    const final = await expectCleanFinish(current, 'chaos-crash', 60);
    expect(final.summary.calls.crm?.errors.upstream_unavailable ?? 0).toBeGreaterThan(0);
  }, 240_000);

  it('runs degraded through an enrichment outage, and never dies on it', async () => {
    world = await createWorld({ accounts: 30, enrichment: { faults: { outages: [{ startMs: 0 }] } } });
    const result = await runNightlyProcess(world, 'chaos-outage');
    expect(result.code, result.stderr).toBe(0);
    const final = await expectCleanFinish(world, 'chaos-outage', 30);
    expect(final.summary.accounts.degraded).toBe(30);
  }, 240_000);

  it('stops CRM writes on a DAILY quota, says so, and finishes after the reset without duplicates', async () => {
    const period = 10_000;
    // A day's quota covers part of the run's CRM requests (batches of up to 100 items, pages of 5).
    world = await createWorld({ accounts: 40, crm: { dailyLimit: { max: 12, periodMs: period } } });
    const current = world;
    // The simulator's "day" restarts every period from its start; wait for the next one.
    const nextDay = () => sleep(period - (current.crm.stats().uptimeMs % period) + 200);
    // Start at the top of a "day": a run that began late in one would see the quota reset halfway
    // through (a busy machine takes seconds to start the job) and never run out.
    await nextDay();
    const first = await runNightlyProcess(current, 'chaos-daily');
    expect(first.code, first.stderr).toBe(3);
    const partial = await report(current, 'chaos-daily');
    expect(partial.summary.status).toBe('incomplete');
    expect(partial.summary.accounts.pending).toBeGreaterThan(0);
    expect(partial.summary.notices.join('\n')).toMatch(/CRM quota exhausted/);
    // Once the quota was gone the job stopped calling the CRM, instead of hammering it.
    expect(partial.summary.calls.crm?.errors.quota_exhausted ?? 0).toBeLessThanOrEqual(10);
    let second = first;
    for (let day = 0; day < 4 && second.code !== 0; day++) {
      await nextDay();
      second = await runNightlyProcess(current, 'chaos-daily');
    }
    expect(second.code, second.stderr).toBe(0);
    await nextDay();
    await expectCleanFinish(world, 'chaos-daily', 40);
  }, 240_000);

  it('treats a changed enrichment response shape as terminal: degraded, never retried', async () => {
    world = await createWorld({ accounts: 20, enrichment: { faults: { shapeChange: 1 } } });
    const result = await runNightlyProcess(world, 'chaos-shape');
    expect(result.code, result.stderr).toBe(0);
    const final = await expectCleanFinish(world, 'chaos-shape', 20);
    const violations = final.summary.calls.enrichment?.errors.upstream_contract_violation ?? 0;
    // Every matched company comes back garbled; the vendor's 404s (not billed, not reshaped) stay answers.
    expect(violations).toBeGreaterThan(15);
    expect(final.summary.accounts.degraded).toBe(violations);
    expect(final.summary.calls.enrichment?.retries).toBe(0);
  }, 240_000);

  it('kills the whole process group when asked (harness self-check)', async () => {
    world = await createWorld({ accounts: 10 });
    const current = world;
    const result = await runNightlyProcess(current, 'chaos-self', {
      onStart: (child) => setTimeout(() => killGroup(child), 3_000),
    });
    expect(result.signal).toBe('SIGKILL');
    await sleep(500);
    expect(serverPids(current, 'crm')).toEqual([]);
  }, 60_000);
});
