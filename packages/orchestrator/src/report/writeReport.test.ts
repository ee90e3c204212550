import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import { testAccount, testReport } from '../../test/testReport.ts';
import type { RunReport } from './types.ts';
import { readRunReport, reportFileBase, runReportSchema, writeRunReport } from './writeReport.ts';

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
