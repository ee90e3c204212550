import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type * as z from 'zod';
import { accountRow, compareAccounts, HTML_END, renderHtmlStart } from './renderHtml.ts';
import { accountOutcomeSchema, runReportSchema, runSummarySchema } from './runReportSchema.ts';
import { resumeCommand } from './shellWord.ts';
import type { AccountOutcome, ReportAccounts, RunReport, RunSummary, StreamedRunReport } from './types.ts';

export { runReportSchema };

/** Where a run report's files live: `<dir>/<base>.json` and `<dir>/<base>.html`. */
export interface RunReportFiles {
  json: string;
  html: string;
}

/**
 * The file name (without extension) for a run key: the key itself when it is already safe, else a cleaned key plus
 * a short hash of the original, so "a/b" and "a_b" never share a file.
 */
export function reportFileBase(runKey: string): string {
  const cleaned = runKey
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[.-]+/, '')
    .slice(0, 120);
  if (cleaned === runKey && cleaned !== '') return cleaned;
  const hash = createHash('sha256').update(runKey).digest('hex').slice(0, 8);
  return `${cleaned || 'run'}-${hash}`;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, 10).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  if (issues.length > 10) lines.push(`… and ${issues.length - 10} more`);
  return `\n  - ${lines.join('\n  - ')}`;
}

const invalid = (summary: RunSummary, issues: readonly z.core.$ZodIssue[]) =>
  new Error(`Run report ${summary.run_key} is invalid and was not written:${describeIssues(issues)}`);

/** Text written to a file in pieces of about this size: one write per piece, not per account. */
const PIECE = 64 * 1024;

/**
 * Writes what `produce` hands its `write` to a temporary file beside `path`, flushes it, then
 * renames: a reader sees the old file or the new one. Nothing is renamed when `produce` throws.
 */
async function writeAtomically(
  path: string,
  produce: (write: (text: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    const handle = await open(temporary, 'wx');
    try {
      let pending = '';
      await produce(async (text) => {
        pending += text;
        if (pending.length < PIECE) return;
        const piece = pending;
        pending = '';
        await handle.writeFile(piece, 'utf8');
      });
      if (pending !== '') await handle.writeFile(pending, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** `JSON.stringify(value, null, 2)` as it reads nested `depth` levels deep in a larger document. */
const nestedJson = (value: unknown, depth: number) =>
  JSON.stringify(value, null, 2).replaceAll('\n', `\n${'  '.repeat(depth)}`);

/** A report's accounts from an array (in its order), for `writeRunReport`. */
export function reportAccounts(accounts: readonly AccountOutcome[]): ReportAccounts {
  return {
    count: accounts.length,
    async *recorded() {
      yield* accounts;
    },
    async *problemsFirst() {
      yield* [...accounts].sort(compareAccounts);
    },
  };
}

/**
 * Writes `<dir>/<run key>.json` and `<dir>/<run key>.html` atomically and returns their absolute paths.
 *
 * The report is validated first: one that `readRunReport` could not read back (a NaN count, say) is refused here,
 * naming the field, rather than written. Accounts read as they are written (`StreamedRunReport`) are validated as
 * they pass, and a report with an invalid one is refused the same way, leaving no file behind.
 *
 * Both files are written a piece at a time, the JSON exactly as `JSON.stringify(report, null, 2)` and a newline,
 * the HTML exactly as `renderHtmlReport(report)`: at 100,000 accounts those are strings of ~80 and ~25 MB, which
 * were built whole, with a copy each, before.
 */
export async function writeRunReport(
  report: RunReport | StreamedRunReport,
  dir: string,
): Promise<RunReportFiles> {
  const { summary } = report;
  const streamed = !Array.isArray(report.accounts);
  if (streamed) {
    const checked = runSummarySchema.safeParse(summary);
    if (!checked.success) throw invalid(summary, prefixed(['summary'], checked.error.issues));
  } else {
    const checked = runReportSchema.safeParse(report);
    if (!checked.success) throw invalid(summary, checked.error.issues);
  }
  const accounts = streamed
    ? (report.accounts as ReportAccounts)
    : reportAccounts(report.accounts as AccountOutcome[]);
  await mkdir(dir, { recursive: true });
  const base = resolve(dir, reportFileBase(summary.run_key));
  const files = { json: `${base}.json`, html: `${base}.html` };
  await writeAtomically(files.json, async (write) => {
    const issues: z.core.$ZodIssue[] = [];
    await write(`{\n  "summary": ${nestedJson(summary, 1)},\n  "accounts": [`);
    let index = 0;
    for await (const account of accounts.recorded()) {
      if (streamed) {
        const checked = accountOutcomeSchema.safeParse(account);
        if (!checked.success) issues.push(...prefixed(['accounts', index], checked.error.issues));
      }
      await write(`${index === 0 ? '' : ','}\n    ${nestedJson(account, 2)}`);
      index++;
    }
    if (issues.length > 0) throw invalid(summary, issues);
    checkCount(accounts, index);
    await write(index === 0 ? ']\n}\n' : '\n  ]\n}\n');
  });
  await writeAtomically(files.html, async (write) => {
    await write(renderHtmlStart(summary, accounts.count));
    let index = 0;
    for await (const account of accounts.problemsFirst()) {
      await write(`${index === 0 ? '' : '\n'}${accountRow(account)}`);
      index++;
    }
    checkCount(accounts, index);
    await write(HTML_END);
  });
  return files;
}

const prefixed = (path: PropertyKey[], issues: readonly z.core.$ZodIssue[]) =>
  issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] }));

/** The accounts read are as many as the report says: the ledger cannot change under a snapshot, but a source might. */
function checkCount(accounts: ReportAccounts, read: number): void {
  if (read !== accounts.count)
    throw new Error(
      `The report's accounts changed while it was written: ${accounts.count} expected, ${read} read.`,
    );
}

/** Reads and validates the JSON report of a run; a missing report is an error that says how to produce it. */
export async function readRunReport(dir: string, runKey: string): Promise<RunReport> {
  const path = resolve(dir, `${reportFileBase(runKey)}.json`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(
        `No report for run key "${runKey}": ${path} does not exist. ` +
          `Run \`${resumeCommand(runKey)}\` to produce it.`,
      );
    throw new Error(`Cannot read the report for run key "${runKey}" at ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`Report ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = runReportSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`Report ${path} is not a valid run report:${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}
