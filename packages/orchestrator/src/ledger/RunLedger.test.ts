import { randomBytes } from 'node:crypto';
import { type Database, openPglite, openPostgres } from '@tollgate/core/store';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { testAccount, testSummary } from '../../test/testReport.ts';
import { chooseRun } from '../job/chooseRun.ts';
import { countOutcomes } from '../job/summarize.ts';
import { compareAccounts } from '../report/renderHtml.ts';
import type { AccountOutcome } from '../report/types.ts';
import { LEASE_MS, RunLedger } from './RunLedger.ts';

const opened: Database[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
});

async function pglite(): Promise<Database> {
  const db = await openPglite({ snapshot: inject('pgliteSnapshot') });
  opened.push(db);
  return db;
}

async function postgres(): Promise<Database> {
  const name = `ledger_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('postgresUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${name}`;
  const db = await openPostgres({ url: url.toString() });
  opened.push(db);
  return db;
}

/** Makes a run's last heartbeat `ms` old, as if its process had stopped beating that long ago. */
async function ageHeartbeat(db: Database, runKey: string, ms: number): Promise<void> {
  await db.query(
    `UPDATE orchestrator_runs SET heartbeat_at = now() - ($2 || ' milliseconds')::interval WHERE run_key = $1`,
    [runKey, String(ms)],
  );
}

describe('the run ledger', () => {
  it('remembers each run: status, holder, and its accounts finished and pending', async () => {
    const ledger = await RunLedger.open(await pglite());
    expect(await ledger.latestRun()).toBeUndefined();
    await ledger.begin('2026-12-01', 'host-a:41');
    await ledger.record('2026-12-01', testAccount({ domain: 'a.com', status: 'done' }));
    await ledger.record('2026-12-01', testAccount({ domain: 'b.com', status: 'pending' }));
    expect(await ledger.latestRun()).toMatchObject({
      runKey: '2026-12-01',
      status: 'running',
      holder: 'host-a:41',
      endedAt: null,
      accounts: { total: 2, finished: 1, pending: 1 },
    });
  });

  it('records accounts a stopped run did not reach as pending, leaving any account already recorded as it is', async () => {
    const ledger = await RunLedger.open(await pglite());
    await ledger.begin('k', 'h:1');
    await ledger.record('k', testAccount({ domain: 'done.com', status: 'done' }));
    await ledger.recordUnreached('k', [
      testAccount({ domain: 'done.com', status: 'pending', steps: {} }),
      testAccount({ domain: 'new.com', status: 'pending', steps: {} }),
    ]);
    const outcomes = await ledger.outcomes('k');
    expect(outcomes.map((outcome) => [outcome.domain, outcome.status])).toEqual([
      ['done.com', 'done'],
      ['new.com', 'pending'],
    ]);
  });

  it('keeps why the report could not be written with the run, and forgets it when the run begins again', async () => {
    const ledger = await RunLedger.open(await pglite());
    await ledger.begin('k', 'h:1');
    await ledger.finish('k', testSummary({ run_key: 'k', status: 'completed' }), 'EACCES: permission denied');
    expect(await ledger.run('k')).toMatchObject({
      status: 'completed',
      reportError: 'EACCES: permission denied',
    });
    expect((await ledger.run('k'))?.endedAt).toBeInstanceOf(Date);
    await ledger.begin('k', 'h:2');
    expect(await ledger.run('k')).toMatchObject({ status: 'running', reportError: null, endedAt: null });
  });

  it('on an embedded ledger, counts no other run as live and marks one left running as interrupted', async () => {
    // One process opens an embedded ledger at a time: a run it finds "running" lost its process.
    const ledger = await RunLedger.open(await pglite());
    await ledger.begin('yesterday', 'h:1');
    expect((await ledger.run('yesterday'))?.live).toBe(false);
    await ledger.begin('today', 'h:2');
    expect((await ledger.run('yesterday'))?.status).toBe('interrupted');
  });

  describe.skipIf(inject('postgresSkipReason') !== '')('on a shared Postgres ledger', () => {
    it('tells a run whose process still beats its heart from one whose heartbeat stopped', async () => {
      const db = await postgres();
      const ledger = await RunLedger.open(db);
      await ledger.begin('live', 'host-a:1');
      await ledger.begin('dead', 'host-b:2');
      await ageHeartbeat(db, 'dead', LEASE_MS + 1_000);
      expect(await ledger.run('live')).toMatchObject({ live: true, holder: 'host-a:1' });
      expect(await ledger.run('dead')).toMatchObject({ live: false, status: 'running' });

      // A new run marks the dead one interrupted, never the live one.
      await ledger.begin('today', 'host-c:3');
      expect((await ledger.run('live'))?.status).toBe('running');
      expect((await ledger.run('dead'))?.status).toBe('interrupted');

      // A beat brings a run back to life, in the others' eyes.
      await ageHeartbeat(db, 'live', LEASE_MS + 1_000);
      expect((await ledger.run('live'))?.live).toBe(false);
      await ledger.heartbeat('live', 'host-a:1');
      expect((await ledger.run('live'))?.live).toBe(true);
    });

    it('joins a live unfinished run when no key is named, and resumes a dead one', async () => {
      const db = await postgres();
      const ledger = await RunLedger.open(db);
      await ledger.begin('2026-12-01', 'host-a:1');
      const live = await chooseRun(db, { defaultKey: '2026-12-02' });
      expect(live.runKey).toBe('2026-12-01');
      expect(live.notice).toMatch(
        /^Joining run 2026-12-01, still running in process host-a:1 \(last heartbeat \d+ s ago\)/,
      );
      await ageHeartbeat(db, '2026-12-01', LEASE_MS + 1_000);
      const dead = await chooseRun(db, { defaultKey: '2026-12-02' });
      expect(dead.runKey).toBe('2026-12-01');
      expect(dead.notice).toMatch(
        /^Resuming unfinished run 2026-12-01 \(its process stopped without finishing/,
      );
    });
  });
});

describe('choosing the run', () => {
  it('takes a named run key as it is', async () => {
    const db = await pglite();
    const ledger = await RunLedger.open(db);
    await ledger.begin('2026-12-01', 'h:1');
    expect(await chooseRun(db, { requested: 'mine', defaultKey: '2026-12-02' })).toEqual({
      runKey: 'mine',
      notice: undefined,
    });
  });

  it('starts today when the last run completed, or when there is none', async () => {
    const db = await pglite();
    expect(await chooseRun(db, { defaultKey: '2026-12-02' })).toEqual({
      runKey: '2026-12-02',
      notice: undefined,
    });
    const ledger = await RunLedger.open(db);
    await ledger.begin('2026-12-01', 'h:1');
    await ledger.finish('2026-12-01', testSummary({ run_key: '2026-12-01', status: 'completed' }));
    expect(await chooseRun(db, { defaultKey: '2026-12-02' })).toEqual({
      runKey: '2026-12-02',
      notice: undefined,
    });
  });

  it('resumes the last run when it ended with accounts pending, and says how many of how many', async () => {
    const db = await pglite();
    const ledger = await RunLedger.open(db);
    await ledger.begin('2026-12-01', 'h:1');
    for (const [domain, status] of [
      ['a.com', 'done'],
      ['b.com', 'routed'],
      ['c.com', 'pending'],
    ] as const)
      await ledger.record('2026-12-01', testAccount({ domain, status }));
    await ledger.finish('2026-12-01', testSummary({ run_key: '2026-12-01', status: 'interrupted' }));
    expect(await chooseRun(db, { defaultKey: '2026-12-02' })).toEqual({
      runKey: '2026-12-01',
      notice:
        'Resuming unfinished run 2026-12-01 (1 of 3 pending); pass --new-run to start 2026-12-02 instead.',
    });
  });

  it('starts today anyway with --new-run, saying how to resume the unfinished run; once started, today is the last run', async () => {
    const db = await pglite();
    const ledger = await RunLedger.open(db);
    await ledger.begin('2026-12-01', 'h:1');
    const choice = await chooseRun(db, { defaultKey: '2026-12-02', newRun: true });
    expect(choice).toEqual({
      runKey: '2026-12-02',
      notice:
        'Starting new run 2026-12-02. Run 2026-12-01 stays unfinished (its process stopped without finishing; 0 accounts finished so far); resume it with: tollgate run nightly --run-key 2026-12-01',
    });
    await ledger.begin('2026-12-02', 'h:2');
    await ledger.finish('2026-12-02', testSummary({ run_key: '2026-12-02', status: 'completed' }));
    // The next night needs no flag: the run started last is finished.
    expect((await chooseRun(db, { defaultKey: '2026-12-03' })).runKey).toBe('2026-12-03');
  });
});

/** Outcomes of every kind the counts and the report's order tell apart, in a scrambled order. */
function mixedOutcomes(n: number): AccountOutcome[] {
  const statuses = ['done', 'routed', 'skipped', 'pending'] as const;
  const stepStatuses = ['ok', 'replayed', 'failed', 'skipped'] as const;
  const actions = ['draft', 'research_task', 'none'] as const;
  return Array.from({ length: n }, (_, i) => {
    const j = (i * 7919) % n;
    return testAccount({
      domain: `d${String(j).padStart(4, '0')}-${'abc'[j % 3]}.example`,
      status: statuses[j % 4] ?? 'done',
      action: actions[j % 3] ?? 'none',
      degraded: j % 5 === 0,
      degraded_reason: j % 5 === 0 ? 'enrichment outage' : null,
      steps:
        j % 6 === 0
          ? { crm_read: { status: 'ok', attempts: 1 } }
          : { upsert_account: { status: stepStatuses[j % 4] ?? 'ok', attempts: 1 + (j % 3) } },
    });
  });
}

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

describe.each([
  { name: 'PGlite', open: pglite, skip: '' },
  { name: 'Postgres', open: postgres, skip: inject('postgresSkipReason') },
])('reading a whole run on $name', ({ open, skip }) => {
  it.skipIf(skip !== '')('counts as countOutcomes does, in SQL, leaving out the accounts asked', async () => {
    const ledger = await RunLedger.open(await open());
    await ledger.begin('k', 'h:1');
    const outcomes = mixedOutcomes(120);
    for (const outcome of outcomes) await ledger.record('k', outcome);
    await ledger.begin('other', 'h:1');
    await ledger.record('other', testAccount({ domain: 'elsewhere.com' }));
    expect(await ledger.counts('k')).toEqual(countOutcomes(outcomes));
    const except = outcomes.slice(0, 30).map((outcome) => outcome.domain);
    expect(await ledger.counts('k', except)).toEqual(countOutcomes(outcomes.slice(30)));
    expect(await ledger.counts('never')).toEqual(countOutcomes([]));
  });

  it.skipIf(skip !== '')(
    'reads a snapshot a page at a time, in the order recorded and problems first, with the outcomes it could not take',
    async () => {
      const ledger = await RunLedger.open(await open());
      await ledger.begin('k', 'h:1');
      // More than a page (500) of outcomes, so the cursor is read more than once.
      const outcomes = mixedOutcomes(1100);
      for (const outcome of outcomes) await ledger.record('k', outcome);

      // Read first: while a snapshot is open, an embedded ledger answers nothing else.
      const recorded = await ledger.outcomes('k');
      const plain = await ledger.snapshot('k');
      try {
        expect(plain.counts).toEqual(countOutcomes(outcomes));
        expect(plain.accounts.count).toBe(1100);
        expect(await collect(plain.accounts.recorded())).toEqual(recorded);
        expect(await collect(plain.accounts.problemsFirst())).toEqual([...recorded].sort(compareAccounts));
      } finally {
        await plain.close();
      }

      // What runNightly did before: the ledger's outcomes, each unsaved one in its domain's place, the rest after.
      const unsaved = new Map<string, AccountOutcome>();
      for (const outcome of outcomes.slice(0, 40))
        unsaved.set(outcome.domain, { ...outcome, status: 'pending', degraded: !outcome.degraded });
      for (const domain of ['zzz.example', 'aaa.example', 'm.example'])
        unsaved.set(domain, testAccount({ domain, status: 'skipped' }));
      const known = new Set(recorded.map((outcome) => outcome.domain));
      const expected = recorded.map((outcome) => unsaved.get(outcome.domain) ?? outcome);
      for (const [domain, outcome] of unsaved) if (!known.has(domain)) expected.push(outcome);

      const merged = await ledger.snapshot('k', unsaved);
      try {
        expect(merged.counts).toEqual(countOutcomes(expected));
        expect(merged.accounts.count).toBe(expected.length);
        expect(await collect(merged.accounts.recorded())).toEqual(expected);
        expect(await collect(merged.accounts.problemsFirst())).toEqual([...expected].sort(compareAccounts));
        // Read twice, the same.
        expect((await collect(merged.accounts.recorded())).length).toBe(expected.length);
      } finally {
        await merged.close();
      }
      await merged.close();
      // Closed, the ledger is free again (an embedded one is held whole while a snapshot is open).
      await ledger.record('k', testAccount({ domain: 'after.example' }));
      expect((await ledger.counts('k')).total).toBe(1101);
    },
    60_000,
  );

  it.skipIf(skip !== '')(
    'stops a reader left half-way when the snapshot is closed, and fails the next',
    async () => {
      const ledger = await RunLedger.open(await open());
      await ledger.begin('k', 'h:1');
      for (const outcome of mixedOutcomes(600)) await ledger.record('k', outcome);
      const snapshot = await ledger.snapshot('k');
      const reader = snapshot.accounts.recorded()[Symbol.asyncIterator]();
      expect((await reader.next()).done).toBe(false);
      await snapshot.close();
      await expect(collect(snapshot.accounts.recorded())).rejects.toThrow('The run snapshot is closed.');
      await ledger.record('k', testAccount({ domain: 'after.example' }));
    },
  );
});
