import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type ChaosWorld, countDuplicates, createWorld, report, runNightlyProcess } from './chaosHarness.ts';

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
});
