import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChaosWorld,
  createWorld,
  expectCleanFinish,
  report,
  runNightlyProcess,
} from '../../test/chaosHarness.ts';

const FAIL_START = fileURLToPath(new URL('./failStart.mjs', import.meta.url));

let world: ChaosWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Environment that makes `server` die during its first `times` starts; the starts are counted in `dir`. */
function failingStarts(server: string, times: number, dir: string): Record<string, string> {
  return {
    NODE_OPTIONS: `--import ${FAIL_START}`,
    [`${server.toUpperCase()}_TEST_FAIL_START`]: `${times}:${dir}`,
  };
}

describe('a server that dies during start-up', () => {
  it('is started again under its retry policy, as a crash later in the run would be, and the run completes', async () => {
    world = await createWorld({ accounts: 12 });
    const starts = join(world.home, 'crm-starts');
    const result = await runNightlyProcess(world, 'start-once', { env: failingStarts('crm', 1, starts) });
    // Before, the first failed start ended the run: exit 1, "Cannot start or reach the crm server".
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(starts).length).toBeGreaterThanOrEqual(2);
    const final = await expectCleanFinish(world, 'start-once', 12);
    expect(final.summary.notices.join('\n')).toMatch(
      /The crm server started on attempt 2 \(first: .*simulated crash of the crm server/,
    );
  }, 240_000);

  it('that never starts ends the run incomplete, with a notice and every listed account pending', async () => {
    world = await createWorld({ accounts: 12 });
    const starts = join(world.home, 'crm-starts');
    const result = await runNightlyProcess(world, 'start-never', { env: failingStarts('crm', 1000, starts) });
    expect(result.code, result.stderr).toBe(3);
    // The CRM's attempts (six in the shipped config), then no more: no restart loop for each account.
    expect(readdirSync(starts).length).toBe(6);
    const partial = await report(world, 'start-never');
    expect(partial.summary.status).toBe('incomplete');
    expect(partial.summary.accounts).toMatchObject({ total: 12, pending: 12, processed: 0 });
    expect(partial.summary.notices.join('\n')).toMatch(
      /The crm server could not be started \(6 attempts: .*simulated crash.*\); no account could be processed/,
    );
    expect(result.stdout).toContain('12 accounts pending; resume with:');
    expect(world.crm.stats().requests).toBe(0);
  }, 240_000);

  it('with an invalid setting still stops the run, with the setting named, and exits 1', async () => {
    world = await createWorld({ accounts: 5 });
    const result = await runNightlyProcess(world, 'start-config', { env: { CRM_HUBSPOT_URL: 'not a url' } });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /Cannot start or reach the crm server: CRM_HUBSPOT_URL must be an http\(s\) URL/,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 240_000);
});
