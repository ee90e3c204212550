import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres } from '@tollgate/core/store';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  type ChaosWorld,
  countDuplicates,
  createWorld,
  type RunResult,
  report,
  runNightlyProcess,
} from '../../test/chaosHarness.ts';
import { RunLedger } from '../ledger/RunLedger.ts';

const postgresUrl = inject('postgresUrl');

async function createDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// Two processes cannot share an embedded store, so overlapping runs share Postgres servers — as
// replicas in production would. Without a Postgres server here this runs only in CI.
describe.skipIf(inject('postgresSkipReason') !== '')('overlapping nightly runs', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('two jobs with the same run key at once create no duplicate leads, drafts or tasks', async () => {
    const suffix = randomBytes(4).toString('hex');
    const env = {
      CRM_DATABASE_URL: await createDatabase(`overlap_crm_${suffix}`),
      OUTREACH_DATABASE_URL: await createDatabase(`overlap_outreach_${suffix}`),
      ORCHESTRATOR_DATABASE_URL: await createDatabase(`overlap_ledger_${suffix}`),
    };
    const first: ChaosWorld = await createWorld({ accounts: 50, env });
    cleanups.push(first.close);
    const otherHome = await mkdtemp(join(tmpdir(), 'tollgate-chaos-'));
    cleanups.push(() => rm(otherHome, { recursive: true, force: true }));
    const second: ChaosWorld = { ...first, home: otherHome, env: { ...first.env, TOLLGATE_HOME: otherHome } };

    const [a, b] = await Promise.all([
      runNightlyProcess(first, 'overlap'),
      runNightlyProcess(second, 'overlap'),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);

    const final = await report(first, 'overlap');
    expect(final.summary.accounts.total).toBe(50);
    expect(
      final.accounts.filter((account) => account.status !== 'done' && account.status !== 'routed'),
    ).toEqual([]);
    const counts = await countDuplicates(first);
    expect(counts.duplicateDrafts).toEqual([]);
    expect(counts.duplicateTasks).toEqual([]);
    expect(counts.duplicateLeads).toEqual([]);
    expect(first.crm.stats().duplicates.tasks.tollgate_key).toBe(0);
    expect(counts.drafts).toBe(final.accounts.filter((account) => account.action === 'draft').length);
  }, 240_000);

  it('a run started without --run-key while another is under way joins it, rather than taking it for dead or starting over', async () => {
    const suffix = randomBytes(4).toString('hex');
    const env = {
      CRM_DATABASE_URL: await createDatabase(`join_crm_${suffix}`),
      OUTREACH_DATABASE_URL: await createDatabase(`join_outreach_${suffix}`),
      ORCHESTRATOR_DATABASE_URL: await createDatabase(`join_ledger_${suffix}`),
    };
    const first: ChaosWorld = await createWorld({ accounts: 60, env });
    cleanups.push(first.close);
    const otherHome = await mkdtemp(join(tmpdir(), 'tollgate-chaos-'));
    cleanups.push(() => rm(otherHome, { recursive: true, force: true }));
    // A ready snapshot: the second job must reach its choice while the first is still at work.
    await copyFile(inject('pgliteSnapshot'), join(otherHome, '.pglite-empty.tar'));
    const second: ChaosWorld = { ...first, home: otherHome, env: { ...first.env, TOLLGATE_HOME: otherHome } };

    let firstPid: number | undefined;
    let joined: Promise<RunResult> | undefined;
    const a = await runNightlyProcess(first, 'overnight', {
      onStart: (child) => {
        firstPid = child.pid;
        // Once the first job is writing, the second starts the way a scheduler would: no key.
        const timer = setInterval(() => {
          if (first.crm.stats().requests < 1) return;
          clearInterval(timer);
          joined = runNightlyProcess(second, undefined);
        }, 25);
      },
    });
    const b = await (joined as Promise<RunResult>);
    // The job that ends first may see the other's accounts in flight as pending (exit 3); the
    // ledger, read once both have ended, is the whole story.
    expect([0, 3], a.stderr).toContain(a.code);
    expect([0, 3], b.stderr).toContain(b.code);
    expect(b.stderr).toContain(`Joining run overnight, still running in process ${hostname()}:${firstPid}`);
    expect(b.stderr).toContain('Nightly run overnight');

    const db = await openPostgres({ url: env.ORCHESTRATOR_DATABASE_URL });
    try {
      const ledger = await RunLedger.open(db);
      expect((await ledger.run('overnight'))?.accounts).toEqual({ total: 60, finished: 60, pending: 0 });
      // Nobody started a run of its own next to it.
      expect(await ledger.latestRun()).toMatchObject({ runKey: 'overnight' });
    } finally {
      await db.close();
    }
    const counts = await countDuplicates(first);
    expect(counts.duplicateDrafts).toEqual([]);
    expect(counts.duplicateTasks).toEqual([]);
    expect(counts.duplicateLeads).toEqual([]);
  }, 240_000);
});
