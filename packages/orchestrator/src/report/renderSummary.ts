import { formatDuration } from './formatDuration.ts';
import { resumeCommand } from './shellWord.ts';
import type { RunSummary, ServerCallStats, ServerName } from './types.ts';

const WIDTH = 80;
const SERVERS: ServerName[] = ['warehouse', 'crm', 'enrichment', 'outreach'];

// Notices and error codes come from servers and vendors: a stray escape sequence must not repaint the terminal.
const printable = (text: string) => text.replace(/\p{Cc}/gu, '?');

/** Packs `items` into lines of at most `width` characters, joined by `separator`; overlong items are cut. */
function pack(items: string[], width: number, separator: string): string[] {
  const trail = separator.trimEnd();
  const pieces = items.flatMap((item) => item.match(new RegExp(`.{1,${width - trail.length}}`, 'gu')) ?? []);
  const lines: string[] = [];
  let line = '';
  for (const piece of pieces) {
    const candidate = line === '' ? piece : `${line}${separator}${piece}`;
    if (line === '' || candidate.length + trail.length <= width) line = candidate;
    else {
      lines.push(`${line}${trail}`);
      line = piece;
    }
  }
  return line === '' ? lines : [...lines, line];
}

/** Wraps prose at word boundaries; each line after the first starts with `indent`. */
function wrap(text: string, first: string, indent: string): string[] {
  const words = printable(text).split(/\s+/).filter(Boolean);
  const lines = pack(words, WIDTH - indent.length, ' ');
  return lines.map((line, i) => `${i === 0 ? first : indent}${line}`);
}

function errorList(stats: ServerCallStats): string[] {
  const entries = Object.entries(stats.errors).filter(([, n]) => n > 0);
  if (entries.length === 0) return ['none'];
  return entries
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([code, n]) => `${printable(code)} ${n}`);
}

function serverTable(calls: RunSummary['calls']): string[] {
  const names = SERVERS.filter((name) => calls[name] !== undefined);
  if (names.length === 0) return ['Servers: no calls'];
  const head = `${'Server'.padEnd(12)}${'Calls'.padStart(8)}${'Retries'.padStart(9)}  Errors`;
  const errorsAt = head.indexOf('Errors');
  const lines = [head];
  for (const name of names) {
    const stats = calls[name] as ServerCallStats;
    const row = `${name.padEnd(12)}${String(stats.calls).padStart(8)}${String(stats.retries).padStart(9)}  `;
    const errors = pack(errorList(stats), WIDTH - errorsAt, ', ');
    errors.forEach((part, i) => {
      lines.push(`${i === 0 ? row : ' '.repeat(errorsAt)}${part}`);
    });
  }
  return lines;
}

export interface SummaryTableOptions {
  /** The command that resumes this run, shown when accounts are pending. Default: `tollgate run nightly --run-key <key>`. */
  resumeCommand?: string;
}

/**
 * Renders a run summary as a plain-text table that fits in 80 columns, for the terminal.
 *
 * @example
 * process.stdout.write(`${renderSummaryTable(report.summary)}\n`);
 */
export function renderSummaryTable(summary: RunSummary, options: SummaryTableOptions = {}): string {
  const { accounts, retries } = summary;
  const runKey = printable(summary.run_key);
  const counts: [string, number][] = [
    ['total', accounts.total],
    ['processed', accounts.processed],
    ['upserted', accounts.upserted],
    ['drafted', accounts.drafted],
    ['routed to manual research', accounts.routed],
    ['degraded (no enrichment)', accounts.degraded],
    ['skipped (terminal error)', accounts.skipped],
    ['pending (next run)', accounts.pending],
    ['resumed (done earlier)', accounts.resumed],
  ];
  const lines = [
    ...wrap(`Nightly run ${runKey}: ${summary.status}, ${formatDuration(summary.duration_ms)}`, '', ''),
    ...wrap(`Started ${summary.started_at}, finished ${summary.finished_at}`, '', ''),
  ];
  if (summary.status !== 'completed')
    // The command on a line of its own and never wrapped, so it can be copied and pasted whole.
    lines.push(
      `${accounts.pending} accounts pending; resume with:`,
      `  ${printable(options.resumeCommand ?? resumeCommand(summary.run_key))}`,
    );
  lines.push('', 'Accounts');
  for (const [label, value] of counts) lines.push(`  ${label.padEnd(28)}${String(value).padStart(10)}`);
  lines.push(`${'Retries used / budget'.padEnd(30)}${`${retries.used} / ${retries.budget}`.padStart(10)}`);
  lines.push('', ...serverTable(summary.calls));
  if (summary.notices.length > 0) {
    lines.push('', 'Notices');
    for (const notice of summary.notices) lines.push(...wrap(notice, '  - ', '    '));
  }
  return lines.join('\n');
}
