import { createHash } from 'node:crypto';
import { escapeHtml as e } from './escapeHtml.ts';
import { formatDuration } from './formatDuration.ts';
import { type AccountOutcome, type RunReport, type RunSummary, SERVER_NAMES, STEP_NAMES } from './types.ts';

/** Problems first: an operator opens the report to find what went wrong. */
export const STATUS_ORDER: AccountOutcome['status'][] = ['skipped', 'pending', 'routed', 'done'];

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;padding:1rem 1.5rem;max-width:90rem;color:#1d232a;background:#fff}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
.meta{color:#5b6570;margin:0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.5rem;margin:1rem 0 0;padding:0}
.cards div{border:1px solid #d8dee4;border-radius:6px;padding:.4rem .7rem}
.cards dt{color:#5b6570;font-size:.8rem}.cards dd{margin:0;font-size:1.3rem;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eaeef2;vertical-align:top}
thead th{position:sticky;top:0;background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.wrap{overflow-x:auto}.code{font-family:ui-monospace,monospace;font-size:.85rem}
.s{display:inline-block;padding:0 .45rem;border-radius:9px;font-size:.8rem}
.s-skipped{background:#ffebe9;color:#a40e26}.s-pending{background:#fff8c5;color:#7d4e00}
.s-routed{background:#ddf4ff;color:#0a3069}.s-done,.s-completed{background:#dafbe1;color:#116329}
.s-incomplete,.s-interrupted{background:#fff8c5;color:#7d4e00}
.notices li{margin:.2rem 0}#filters{margin:.5rem 0}#filters input{width:18rem}
`;

// Progressive enhancement only: the table is complete and ordered without it.
const SCRIPT = `(()=>{const f=document.getElementById('filters');f.hidden=false;
const q=document.getElementById('q'),s=document.getElementById('status');
const rows=[...document.querySelectorAll('#accounts tbody tr')].map(r=>[r,r.textContent.toLowerCase()]);
const apply=()=>{const t=q.value.trim().toLowerCase(),v=s.value;
for(const[r,text]of rows)r.hidden=!((!v||r.dataset.status===v)&&(!t||text.includes(t)));};
q.addEventListener('input',apply);s.addEventListener('change',apply);})();`;

/** The script's hash lets the page's CSP allow this one script and nothing else, should escaping ever fail. */
const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'`;

const orNone = (value: number | string | null) => (value === null ? '—' : e(value));

const rank = (a: AccountOutcome) => {
  const index = STATUS_ORDER.indexOf(a.status);
  return index === -1 ? STATUS_ORDER.length : index;
};

/**
 * The order of the report's account table: by status (`STATUS_ORDER`), degraded first within each,
 * then by domain. `RunLedger` reads a run's outcomes in the same order in SQL.
 */
export function compareAccounts(a: AccountOutcome, b: AccountOutcome): number {
  return (
    rank(a) - rank(b) ||
    Number(b.degraded) - Number(a.degraded) ||
    (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0)
  );
}

function sortAccounts(accounts: AccountOutcome[]): AccountOutcome[] {
  return [...accounts].sort(compareAccounts);
}

/** Failed steps, and steps skipped because of an error, as "step: code" with the message on hover. */
function problems(account: AccountOutcome): string {
  const items: string[] = [];
  for (const step of STEP_NAMES) {
    const record = account.steps[step];
    if (!record) continue;
    if (record.status !== 'failed' && !(record.status === 'skipped' && record.error_code)) continue;
    const label = `${step}: ${record.error_code ?? record.status}${record.status === 'skipped' ? ' (skipped)' : ''}`;
    const title = record.message ? ` title="${e(record.message)}"` : '';
    items.push(`<span class="code"${title}>${e(label)}</span>`);
  }
  return items.join('<br>');
}

/** One row of the account table. */
export function accountRow(a: AccountOutcome): string {
  const degraded = a.degraded ? `yes${a.degraded_reason ? `: ${e(a.degraded_reason)}` : ''}` : '';
  return (
    `<tr data-status="${e(a.status)}"><td>${e(a.domain)}</td><td>${orNone(a.name)}</td>` +
    `<td><span class="s s-${e(a.status)}">${e(a.status)}</span></td><td>${e(a.action)}</td>` +
    `<td>${orNone(a.band)}</td><td class="n">${orNone(a.score)}</td><td class="n">${orNone(a.fit)}</td>` +
    `<td class="n">${orNone(a.intent)}</td><td>${degraded}</td><td>${problems(a)}</td></tr>`
  );
}

function summaryCards(summary: RunSummary): string {
  const { accounts, retries } = summary;
  const cards: [string, string | number][] = [
    ['Total', accounts.total],
    ['Processed', accounts.processed],
    ['Upserted', accounts.upserted],
    ['Drafted', accounts.drafted],
    ['Routed to research', accounts.routed],
    ['Degraded', accounts.degraded],
    ['Skipped', accounts.skipped],
    ['Pending', accounts.pending],
    ['Resumed', accounts.resumed],
    ['Retries', `${retries.used} / ${retries.budget}`],
    ['Duration', formatDuration(summary.duration_ms)],
  ];
  return `<dl class="cards">${cards.map(([label, value]) => `<div><dt>${e(label)}</dt><dd>${e(value)}</dd></div>`).join('')}</dl>`;
}

function serverTable(calls: RunSummary['calls']): string {
  const rows = SERVER_NAMES.flatMap((name) => {
    const stats = calls[name];
    if (!stats) return [];
    const errors = Object.entries(stats.errors)
      .filter(([, n]) => n > 0)
      .map(([code, n]) => `<span class="code">${e(code)}</span> ${e(n)}`);
    return [
      `<tr><td>${e(name)}</td><td class="n">${e(stats.calls)}</td><td class="n">${e(stats.retries)}</td>` +
        `<td>${errors.join(', ') || 'none'}</td></tr>`,
    ];
  });
  if (rows.length === 0) return '<p>No server calls.</p>';
  return `<table><thead><tr><th>Server</th><th>Calls</th><th>Retries</th><th>Errors by code</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Renders a run report as one self-contained HTML page: summary, notices, servers, and every account, problems first. */
export function renderHtmlReport(report: RunReport): string {
  const accounts = sortAccounts(report.accounts);
  return `${renderHtmlStart(report.summary, accounts.length)}${accounts.map(accountRow).join('\n')}${HTML_END}`;
}

/**
 * The page up to its first account row, for `count` accounts. The whole page is this, the rows of
 * the accounts (`accountRow`, problems first: `compareAccounts`) joined by newlines, then `HTML_END`:
 * `writeRunReport` writes it so, a row at a time.
 */
export function renderHtmlStart(summary: RunSummary, count: number): string {
  const notices =
    summary.notices.length === 0
      ? '<p>None.</p>'
      : `<ul class="notices">${summary.notices.map((notice) => `<li>${e(notice)}</li>`).join('')}</ul>`;
  const statusOptions = STATUS_ORDER.map((status) => `<option value="${status}">${status}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>Tollgate nightly run ${e(summary.run_key)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Nightly run ${e(summary.run_key)} <span class="s s-${e(summary.status)}">${e(summary.status)}</span></h1>
<p class="meta">Started ${e(summary.started_at)}, finished ${e(summary.finished_at)} (${e(formatDuration(summary.duration_ms))}).</p>
${summaryCards(summary)}
<h2>Notices</h2>
${notices}
<h2>Servers</h2>
<div class="wrap">${serverTable(summary.calls)}</div>
<h2>Accounts (${e(count)}, problems first)</h2>
<div id="filters" hidden><input id="q" type="search" placeholder="Filter by domain, name, code…" aria-label="Filter accounts"> <select id="status" aria-label="Status"><option value="">any status</option>${statusOptions}</select></div>
<div class="wrap"><table id="accounts"><thead><tr><th>Domain</th><th>Name</th><th>Status</th><th>Action</th><th>Band</th><th>Score</th><th>Fit</th><th>Intent</th><th>Degraded</th><th>Failed or skipped steps</th></tr></thead>
<tbody>
`;
}

/** The page after its last account row. */
export const HTML_END = `
</tbody></table></div>
<script>${SCRIPT}</script>
</body>
</html>
`;
