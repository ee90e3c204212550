import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testAccount, testReport } from '../../test/testReport.ts';
import { renderHtmlReport } from './renderHtml.ts';
import type { AccountOutcome } from './types.ts';

const hostile = '<script>alert(1)</script>.com';

describe('renderHtmlReport', () => {
  it('escapes every string that comes from the report', () => {
    const html = renderHtmlReport(
      testReport(
        [
          testAccount({
            domain: hostile,
            name: '"><img src=x onerror=alert(2)>',
            degraded: true,
            degraded_reason: '<b>outage</b>',
            steps: {
              signals: {
                status: 'failed',
                attempts: 3,
                error_code: '<i>x',
                message: `'" onmouseover=alert(3) x="`,
              },
            },
          }),
        ],
        {
          run_key: '</title><script>alert(4)</script>',
          notices: ['<iframe src="https://evil.example"></iframe>'],
          calls: { crm: { calls: 1, retries: 0, errors: { '<u>code</u>': 1 } } },
        },
      ),
    );
    for (const raw of ['<script>alert', '<img', '<b>', '<i>', '<iframe', '<u>', `'" onmouseover`])
      expect(html).not.toContain(raw);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;.com');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('title="&#39;&quot; onmouseover=alert(3) x=&quot;"');
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('is self-contained: no external assets, and a CSP that allows only its own inline script', () => {
    const html = renderHtmlReport(testReport());
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b|@import|url\(/i);
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(script).digest('base64');
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'"`,
    );
  });

  it('shows the summary, notices and per-server stats', () => {
    const html = renderHtmlReport(testReport());
    for (const value of ['5011', '4987', '4873', '419', '157', '263', '31', '47 / 500', '2m 03s'])
      expect(html).toContain(`<dd>${value}</dd>`);
    expect(html).toContain('<li>enrichment quota exhausted: remaining accounts ran degraded</li>');
    expect(html).toContain(
      '<tr><td>crm</td><td class="n">9811</td><td class="n">5</td><td><span class="code">locked</span> 3, <span class="code">timeout</span> 2</td></tr>',
    );
  });

  it('shows failed steps and steps skipped by an error, with the message on hover', () => {
    const account = testAccount({
      steps: {
        signals: {
          status: 'failed',
          attempts: 4,
          error_code: 'rate_limited',
          message: 'Retry after 4000 ms.',
        },
        draft: { status: 'skipped', attempts: 0, error_code: 'quota_exhausted' },
        upsert_lead: { status: 'skipped', attempts: 0 },
        score: { status: 'ok', attempts: 1 },
      },
    });
    const row = renderHtmlReport(testReport([account]))
      .split('\n')
      .find((line) => line.startsWith('<tr data-status'));
    expect(row).toContain('<span class="code" title="Retry after 4000 ms.">signals: rate_limited</span>');
    expect(row).toContain('<span class="code">draft: quota_exhausted (skipped)</span>');
    expect(row).not.toContain('upsert_lead');
    expect(row).not.toContain('score:');
  });

  it('lists problems first: skipped, pending, routed, then done, degraded first within each', () => {
    const account = (domain: string, status: AccountOutcome['status'], degraded = false) =>
      testAccount({ domain, status, degraded });
    const html = renderHtmlReport(
      testReport([
        account('done-a.com', 'done'),
        account('routed.com', 'routed'),
        account('done-degraded.com', 'done', true),
        account('pending.com', 'pending'),
        account('skipped.com', 'skipped'),
      ]),
    );
    const order = [...html.matchAll(/<tr data-status="\w+"><td>([^<]+)<\/td>/g)].map((match) => match[1]);
    expect(order).toEqual(['skipped.com', 'pending.com', 'routed.com', 'done-degraded.com', 'done-a.com']);
  });

  it('renders 5,000 accounts quickly, every row visible without the script', () => {
    const statuses = ['done', 'routed', 'skipped', 'pending'] as const;
    const accounts = Array.from({ length: 5000 }, (_, i) =>
      testAccount({
        domain: `account-${i}.example`,
        status: statuses[i % 4] ?? 'done',
        degraded: i % 7 === 0,
      }),
    );
    const started = performance.now();
    const html = renderHtmlReport(testReport(accounts));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(html.match(/<tr data-status=/g)).toHaveLength(5000);
    expect(html).not.toMatch(/<tr[^>]* hidden/);
    expect(html).toContain('<div id="filters" hidden>');
    expect(html.length).toBeLessThan(5_000_000);
  });
});
