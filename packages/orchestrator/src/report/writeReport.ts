import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type * as z from 'zod';
import { renderHtmlReport } from './renderHtml.ts';
import { runReportSchema } from './runReportSchema.ts';
import { resumeCommand } from './shellWord.ts';
import type { RunReport } from './types.ts';

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

function describeIssues(error: z.ZodError): string {
  const lines = error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  if (error.issues.length > 10) lines.push(`… and ${error.issues.length - 10} more`);
  return `\n  - ${lines.join('\n  - ')}`;
}

/** Writes to a temporary file beside `path`, flushes it, then renames: a reader sees the old file or the new one. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
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

/**
 * Writes `<dir>/<run key>.json` and `<dir>/<run key>.html` atomically and returns their absolute paths.
 *
 * The report is validated first: one that `readRunReport` could not read back (a NaN count, say) is refused here,
 * naming the field, rather than written.
 */
export async function writeRunReport(report: RunReport, dir: string): Promise<RunReportFiles> {
  const checked = runReportSchema.safeParse(report);
  if (!checked.success)
    throw new Error(
      `Run report ${report.summary.run_key} is invalid and was not written:${describeIssues(checked.error)}`,
    );
  await mkdir(dir, { recursive: true });
  const base = resolve(dir, reportFileBase(report.summary.run_key));
  const files = { json: `${base}.json`, html: `${base}.html` };
  await writeAtomically(files.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeAtomically(files.html, renderHtmlReport(report));
  return files;
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
    throw new Error(`Report ${path} is not a valid run report:${describeIssues(parsed.error)}`);
  return parsed.data;
}
