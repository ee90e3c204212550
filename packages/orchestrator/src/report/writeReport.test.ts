import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import { testAccount, testReport } from '../../test/testReport.ts';
import { renderHtmlReport } from './renderHtml.ts';
import type { AccountOutcome, ReportAccounts, RunReport } from './types.ts';
import {
  readRunReport,
  reportAccounts,
  reportFileBase,
  runReportSchema,
  writeRunReport,
} from './writeReport.ts';

const tempDir = () => mkdtemp(join(tmpdir(), 'tollgate-report-'));

describe('runReportSchema', () => {
  it('mirrors the RunReport type exactly', () => {
    expectTypeOf<z.output<typeof runReportSchema>>().toEqualTypeOf<RunReport>();
    expect(runReportSchema.safeParse(testReport()).success).toBe(true);
  });
});

describe('reportFileBase', () => {
  it('keeps a safe run key as it is', () => {
    expect(reportFileBase('nightly-2026-11-23_v1.2')).toBe('nightly-2026-11-23_v1.2');
  });

  it('cleans an unsafe run key and adds a hash, so different keys never share a file', () => {
    const [slash, underscore, dots] = [
      reportFileBase('a/b'),
      reportFileBase('a_b'),
      reportFileBase('../../etc'),
    ];
    expect(slash).toMatch(/^a_b-[0-9a-f]{8}$/);
    expect(underscore).toBe('a_b');
    expect(dots).toMatch(/^_.._etc-[0-9a-f]{8}$/);
    expect(reportFileBase('..')).toMatch(/^run-[0-9a-f]{8}$/);
  });
});

describe('writeRunReport and readRunReport', () => {
  it('write the JSON and HTML files and read the same report back', async () => {
    const dir = await tempDir();
    const report = testReport([
      testAccount(),
      testAccount({
        domain: 'b.com',
        steps: { signals: { status: 'failed', attempts: 2, error_code: 'timeout' } },
      }),
    ]);
    const files = await writeRunReport(report, join(dir, 'reports'));
    expect(files).toEqual({
      json: join(dir, 'reports', '2026-11-23.json'),
      html: join(dir, 'reports', '2026-11-23.html'),
    });
    expect(await readdir(join(dir, 'reports'))).toEqual(['2026-11-23.html', '2026-11-23.json']);
    expect(await readFile(files.html, 'utf8')).toMatch(/^<!doctype html>/);
    expect(await readRunReport(join(dir, 'reports'), '2026-11-23')).toEqual(report);
  });

  it('replaces an earlier report of the same run key, leaving no temporary files', async () => {
    const dir = await tempDir();
    await writeRunReport(testReport([testAccount({ domain: 'first.com' })]), dir);
    await writeRunReport(testReport([testAccount({ domain: 'second.com' })]), dir);
    expect(await readdir(dir)).toEqual(['2026-11-23.html', '2026-11-23.json']);
    expect((await readRunReport(dir, '2026-11-23')).accounts.map((a) => a.domain)).toEqual(['second.com']);
  });

  it('keeps a report with an unsafe run key inside the directory', async () => {
    const dir = await tempDir();
    const report = testReport(undefined, { run_key: '../../escape' });
    const files = await writeRunReport(report, dir);
    expect(files.json.startsWith(`${dir}/`)).toBe(true);
    expect((await readdir(dir)).length).toBe(2);
    expect(await readRunReport(dir, '../../escape')).toEqual(report);
  });

  it('refuses to write a report it could not read back, naming the field', async () => {
    const dir = await tempDir();
    const report = testReport();
    report.summary.accounts.pending = Number.NaN;
    await expect(writeRunReport(report, dir)).rejects.toThrow(
      /^Run report 2026-11-23 is invalid and was not written:\n {2}- summary\.accounts\.pending: /,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('says where it looked and how to produce a missing report', async () => {
    const dir = await tempDir();
    await expect(readRunReport(dir, '2026-01-01')).rejects.toThrow(
      `No report for run key "2026-01-01": ${join(dir, '2026-01-01.json')} does not exist. ` +
        'Run `tollgate run nightly --run-key 2026-01-01` to produce it.',
    );
    await expect(readRunReport(dir, "it's")).rejects.toThrow("--run-key 'it'\\''s'");
  });

  it('names the file when it is not JSON', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'k.json'), '{"summary":');
    await expect(readRunReport(dir, 'k')).rejects.toThrow(`Report ${join(dir, 'k.json')} is not valid JSON`);
  });

  it('names the bad field when the JSON is not a run report', async () => {
    const dir = await tempDir();
    const report = testReport();
    await writeFile(
      join(dir, 'k.json'),
      JSON.stringify({
        ...report,
        summary: { ...report.summary, accounts: { ...report.summary.accounts, total: '5' } },
      }),
    );
    await expect(readRunReport(dir, 'k')).rejects.toThrow(
      /is not a valid run report:\n {2}- summary\.accounts\.total: /,
    );
  });
});

describe('writeRunReport, a piece at a time', () => {
  const statuses = ['done', 'routed', 'skipped', 'pending'] as const;
  const manyAccounts = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      testAccount({
        domain: `account-${(i * 7919) % n}.example`,
        name: i % 9 === 0 ? null : `Company "${i}" <&>`,
        status: statuses[i % 4] ?? 'done',
        degraded: i % 7 === 0,
        degraded_reason: i % 7 === 0 ? 'enrichment outage' : null,
        steps: {
          crm_read: { status: 'ok', attempts: 1 },
          signals: {
            status: i % 3 === 0 ? 'failed' : 'ok',
            attempts: 2,
            error_code: 'timeout',
            message: 'é\n"',
          },
        },
      }),
    );

  /** Accounts read as the ledger hands them: each order its own iteration, nothing kept. */
  const streamed = (accounts: AccountOutcome[]): ReportAccounts => {
    const { problemsFirst } = reportAccounts(accounts);
    return {
      count: accounts.length,
      async *recorded() {
        for (const account of accounts) yield structuredClone(account);
      },
      problemsFirst,
    };
  };

  it('writes exactly the bytes of JSON.stringify(report, null, 2) and renderHtmlReport, from an array or a stream', async () => {
    for (const n of [0, 1, 2, 3000]) {
      const report = testReport(manyAccounts(n), { notices: n === 0 ? [] : ['a notice <b>'] });
      const json = `${JSON.stringify(report, null, 2)}\n`;
      const html = renderHtmlReport(report);
      const dir = await tempDir();
      const fromArray = await writeRunReport(report, join(dir, 'array'));
      expect(await readFile(fromArray.json, 'utf8')).toBe(json);
      expect(await readFile(fromArray.html, 'utf8')).toBe(html);
      const fromStream = await writeRunReport(
        { summary: report.summary, accounts: streamed(report.accounts) },
        join(dir, 'stream'),
      );
      expect(await readFile(fromStream.json, 'utf8')).toBe(json);
      expect(await readFile(fromStream.html, 'utf8')).toBe(html);
    }
  });

  it('refuses a streamed report with an invalid account, naming it as for the whole report, and leaves no file', async () => {
    const dir = await tempDir();
    const accounts = manyAccounts(30);
    const bad = accounts[17] as AccountOutcome;
    bad.score = Number.NaN;
    const report = testReport(accounts);
    const whole = await writeRunReport(report, join(dir, 'whole')).catch((error: Error) => error.message);
    expect(whole).toMatch(
      /^Run report 2026-11-23 is invalid and was not written:\n {2}- accounts\.17\.score: /,
    );
    await expect(
      writeRunReport({ summary: report.summary, accounts: streamed(accounts) }, join(dir, 'stream')),
    ).rejects.toThrow(whole as string);
    expect(await readdir(join(dir, 'stream'))).toEqual([]);

    report.summary.accounts.pending = Number.NaN;
    await expect(
      writeRunReport({ summary: report.summary, accounts: streamed(accounts) }, join(dir, 'summary')),
    ).rejects.toThrow(
      /^Run report 2026-11-23 is invalid and was not written:\n {2}- summary\.accounts\.pending: /,
    );
  });

  it('refuses accounts that are not as many as they said, leaving the earlier report in place', async () => {
    const dir = await tempDir();
    const report = testReport(manyAccounts(5));
    const files = await writeRunReport(report, dir);
    const before = await readFile(files.json, 'utf8');
    await expect(
      writeRunReport({ summary: report.summary, accounts: { ...streamed(report.accounts), count: 6 } }, dir),
    ).rejects.toThrow("The report's accounts changed while it was written: 6 expected, 5 read.");
    expect(await readFile(files.json, 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['2026-11-23.html', '2026-11-23.json']);
  });
});
