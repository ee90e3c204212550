import { execFile } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openPglite } from '@tollgate/core/store';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChaosWorld,
  createWorld,
  expectCleanFinish,
  report,
  runNightlyProcess,
} from '../../test/chaosHarness.ts';
import { RunLedger } from '../ledger/RunLedger.ts';
import type { RunRecord } from '../ledger/RunRecord.ts';

const run = promisify(execFile);

let world: ChaosWorld | undefined;
const mounts: string[] = [];
afterEach(async () => {
  for (const dir of mounts.splice(0)) await run('umount', [dir]).catch(() => undefined);
  await world?.close();
  world = undefined;
});

// Permission bits do not stop root: as root, the job runs as `nobody` on a home it owns.
const asRoot = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };

async function chownTree(path: string): Promise<void> {
  if (!asRoot) return;
  await chown(path, NOBODY.uid, NOBODY.gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child);
    else await chown(child, NOBODY.uid, NOBODY.gid);
  }
}

async function ledgerRun(world: ChaosWorld, runKey: string): Promise<RunRecord | undefined> {
  const db = await openPglite({ dataDir: join(world.home, 'orchestrator', 'pgdata') });
  try {
    return await (await RunLedger.open(db)).run(runKey);
  } finally {
    await db.close();
    // Files the ledger touched are root's now; give them back to the job's user.
    await chownTree(world.home);
  }
}

/** A small tmpfs at `dir`, when this process may mount one (root in a container); false otherwise. */
async function mountTmpfs(dir: string, size: string): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  if (!asRoot) return false;
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
    mounts.push(dir);
    return true;
  } catch {
    return false;
  }
}

const canMount = await (async () => {
  const probe = join(process.env.TMPDIR ?? '/tmp', `tollgate-mount-probe-${process.pid}`);
  const ok = await mountTmpfs(probe, '1m');
  if (ok) await run('umount', [probe]);
  mounts.splice(0);
  await rm(probe, { recursive: true, force: true });
  return ok;
})();

describe('a nightly run whose report cannot be written', () => {
  it('prints the summary, says the work is saved and how to write the report, marks the run, and exits 4', async () => {
    world = await createWorld({ accounts: 12 });
    const current = world;
    const reports = join(current.home, 'locked-reports');
    await mkdir(reports);
    await chownTree(current.home);
    await chmod(reports, 0o555);
    const args = ['--report-dir', reports];
    const user = asRoot ? { user: NOBODY } : {};

    const failed = await runNightlyProcess(current, 'unwritable', { extraArgs: args, ...user });
    expect(failed.code, failed.stderr).toBe(4);
    // Before: a bare "tollgate: EACCES: permission denied, open …" and exit 1, with no summary at all.
    expect(failed.stdout).toMatch(/^Nightly run unwritable: completed/m);
    expect(failed.stdout).toMatch(/^ {2}processed +12$/m);
    expect(failed.stderr).toMatch(/The report was not written: EACCES: permission denied/);
    expect(failed.stderr).toContain('The work done is saved in the run ledger');
    expect(failed.stderr).toContain(
      `run \`tollgate run nightly --run-key unwritable --config ${current.configPath} --report-dir ${reports}\``,
    );
    expect(failed.stderr).not.toMatch(/^\s+at /m);
    const marked = await ledgerRun(current, 'unwritable');
    expect(marked).toMatchObject({ status: 'completed', accounts: { total: 12, pending: 0 } });
    expect(marked?.reportError).toMatch(/EACCES/);

    await chmod(reports, 0o755);
    const requests = current.crm.stats().requests;
    const again = await runNightlyProcess(current, 'unwritable', { extraArgs: args, ...user });
    expect(again.code, again.stderr).toBe(0);
    // The re-run wrote the report, and nothing else: every account was finished.
    expect(current.crm.stats().requests).toBe(requests);
    expect((await report(current, 'unwritable', reports)).summary).toMatchObject({
      status: 'completed',
      accounts: { total: 12, resumed: 12 },
    });
    expect((await ledgerRun(current, 'unwritable'))?.reportError).toBeNull();
  }, 240_000);

  it.skipIf(!canMount)(
    'stops when the disk under the ledger fills, prints what it has, and resumes once there is room',
    async () => {
      world = await createWorld({ accounts: 30 });
      const current = world;
      // The ledger and the reports on a small disk of their own, filled once the run is under way.
      const disk = join(current.home, 'orchestrator');
      expect(await mountTmpfs(disk, '96m')).toBe(true);
      const reports = join(disk, 'reports');
      const filler = join(disk, 'filler');
      const args = ['--report-dir', reports];
      const full = await runNightlyProcess(current, 'disk-full', {
        extraArgs: args,
        onStart: () => {
          const timer = setInterval(() => {
            if (current.crm.stats().records.companies < 10) return;
            clearInterval(timer);
            const { bavail, bsize } = statfsSync(disk);
            // Whatever does not fit fails with ENOSPC: the disk is full either way.
            void writeFile(filler, Buffer.alloc(Number(bavail) * Number(bsize))).catch(() => undefined);
          }, 25);
        },
      });
      expect(full.code, full.stderr).toBe(4);
      expect(full.stdout).toMatch(/^Nightly run disk-full: incomplete/m);
      // Notices wrap at 80 columns: words may be split over lines.
      expect(full.stdout).toMatch(/could\s+not\s+extend\s+file/);
      expect(full.stdout).toMatch(/\(the\s+disk\s+is\s+full\)/);
      expect(full.stderr).toMatch(/The report was not written: ENOSPC/);
      expect(full.stderr).toContain('The work done is saved in the run ledger');
      expect(full.stderr).not.toMatch(/^\s+at /m);
      // Every listed account is counted, those the ledger could not take included.
      expect(full.stdout).toMatch(/^ {2}total +30$/m);
      const processed = Number(full.stdout.match(/^ {2}processed +(\d+)$/m)?.[1]);
      expect(full.stdout).toMatch(new RegExp(`^ {2}pending \\(next run\\) +${30 - processed}$`, 'm'));

      await rm(filler);
      const resumed = await runNightlyProcess(current, 'disk-full', { extraArgs: args });
      expect(resumed.code, resumed.stderr).toBe(0);
      await expectCleanFinish(current, 'disk-full', 30, reports);
    },
    240_000,
  );
});
