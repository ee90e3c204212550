import { describe, expect, it } from 'vitest';
import { testSummary } from '../../test/testReport.ts';
import { formatDuration } from './formatDuration.ts';
import { renderSummaryTable } from './renderSummary.ts';

describe('renderSummaryTable', () => {
  it('shows every count next to its label', () => {
    const table = renderSummaryTable(testSummary());
    for (const pattern of [
      /^ {2}total +5011$/m,
      /^ {2}processed +4987$/m,
      /^ {2}upserted +4873$/m,
      /^ {2}drafted +419$/m,
      /^ {2}routed to manual research +157$/m,
      /^ {2}degraded \(no enrichment\) +263$/m,
      /^ {2}skipped \(terminal error\) +31$/m,
      /^ {2}pending \(next run\) +7$/m,
      /^ {2}resumed \(done earlier\) +2$/m,
      /^Retries used \/ budget +47 \/ 500$/m,
      /^Nightly run 2026-11-23: completed, 2m 03s$/m,
    ])
      expect(table).toMatch(pattern);
  });

  it('shows calls, retries and errors by code for each server, most frequent first', () => {
    const table = renderSummaryTable(testSummary());
    expect(table).toMatch(/^warehouse +12 +0 {2}none$/m);
    expect(table).toMatch(/^crm +9811 +5 {2}locked 3, timeout 2$/m);
    // 31 columns of name and numbers leave 49 for the codes: the third wraps, aligned under the first.
    expect(table).toContain(
      `enrichment      4990       42  rate_limited 38, upstream_unavailable 4,\n${' '.repeat(31)}quota_exhausted 1\n`,
    );
    expect(table).not.toMatch(/^outreach/m);
  });

  it('lists the notices', () => {
    expect(renderSummaryTable(testSummary())).toContain(
      'Notices\n  - enrichment quota exhausted: remaining accounts ran degraded',
    );
  });

  it('says how to resume an incomplete run', () => {
    const table = renderSummaryTable(testSummary({ status: 'incomplete' }));
    expect(table).toContain(
      '7 accounts pending; resume with:\n  tollgate run nightly --run-key 2026-11-23\n',
    );
  });

  it('says how to resume an interrupted run, with the command it is given, quoted and never wrapped', () => {
    const table = renderSummaryTable(testSummary({ status: 'interrupted', run_key: "night's run" }));
    expect(table).toMatch(/^Nightly run night's run: interrupted, 2m 03s$/m);
    expect(table).toContain("  tollgate run nightly --run-key 'night'\\''s run'\n");
    const long = `tollgate run nightly --run-key 2026-11-23 --config /a/${'very-'.repeat(20)}long/nightly.json`;
    expect(renderSummaryTable(testSummary({ status: 'interrupted' }), { resumeCommand: long })).toContain(
      `\n  ${long}\n`,
    );
  });

  it('says nothing about resuming a completed run', () => {
    expect(renderSummaryTable(testSummary())).not.toContain('resume with');
  });

  it('stays within 80 columns with long notices, many error codes and a long run key', () => {
    const codes = [
      'rate_limited',
      'upstream_unavailable',
      'timeout',
      'locked',
      'quota_exhausted',
      'internal',
    ];
    const table = renderSummaryTable(
      testSummary({
        run_key: `nightly-${'x'.repeat(100)}`,
        calls: {
          enrichment: {
            calls: 1,
            retries: 1,
            errors: Object.fromEntries(codes.map((code, i) => [code, i + 1])),
          },
        },
        notices: ['enrichment '.repeat(20), `https://example.com/${'a'.repeat(120)}`],
      }),
    );
    const lines = table.split('\n');
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    for (const code of codes) expect(table).toContain(code);
    expect(lines.filter((line) => /^ {31}\S/.test(line)).length).toBeGreaterThan(0);
  });

  it('replaces control characters, so a notice cannot send escape sequences to the terminal', () => {
    const table = renderSummaryTable(testSummary({ notices: ['\u001b[31mred\u001b[0m\u0007'] }));
    expect(table).not.toContain('\u001b');
    expect(table).not.toContain('\u0007');
    expect(table).toContain('?[31mred?[0m?');
  });

  it('says so when no server was called', () => {
    expect(renderSummaryTable(testSummary({ calls: {}, notices: [] }))).toMatch(/Servers: no calls$/);
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850 ms'],
    [12_400, '12.4 s'],
    [59_960, '1m 00s'],
    [123_000, '2m 03s'],
    [4_020_000, '1h 07m'],
    [Number.NaN, 'unknown'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
