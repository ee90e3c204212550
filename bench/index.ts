/**
 * `npm run bench`: every benchmark, each against a baseline measured in the same run.
 * Figures are medians; the machine is shared and noisy, so compare ratios, not absolute times.
 */
import { benchGate } from '../packages/core/bench/gate.bench.ts';
import { benchHttp, HTTP_PROTOCOL_VERSION } from '../packages/core/bench/http.bench.ts';
import {
  benchHuge,
  benchNightly,
  HUBSPOT_FREE,
  NIGHTLY_LIMITS,
} from '../packages/orchestrator/bench/nightly.bench.ts';
import { benchStart, printStart } from './start.bench.ts';

async function startSection(): Promise<void> {
  console.log(
    '\nStart-up: each stdio server through `tollgate serve`, next to a bare SDK v2 stdio server' +
      ' (bench/bareStdioServer.js), same spawn, same run\n',
  );
  printStart(await benchStart());
}

// TOLLGATE_BENCH=start runs the start-up section alone.
if (process.env.TOLLGATE_BENCH === 'start') {
  await startSection();
  process.exit(0);
}

function table(rows: { name: string; calls: number; p50_us: number; p99_us: number }[]): void {
  console.log(['side'.padEnd(40), 'calls'.padStart(7), 'p50 µs'.padStart(9), 'p99 µs'.padStart(9)].join(' '));
  for (const r of rows) {
    console.log(
      [
        r.name.padEnd(40),
        String(r.calls).padStart(7),
        r.p50_us.toFixed(1).padStart(9),
        r.p99_us.toFixed(1).padStart(9),
      ].join(' '),
    );
  }
}

console.log('Gate overhead: one read tool over the SDK in-memory transport (per-call times)\n');
const gate = await benchGate();
table(gate.rows);
console.log(`\nratio gate with logging / bare SDK (p50): ${gate.ratio.toFixed(2)}   target <= 1.15`);

// --- tools/call over stateless Streamable HTTP, each server a child process, next to a bare SDK server.
console.log(
  '\nHTTP: one read tool over stateless Streamable HTTP on 127.0.0.1, closed-loop workers' +
    ' (medians across rounds)\n',
);
const http = await benchHttp();
console.log(
  [
    'side'.padEnd(16),
    'conc'.padStart(5),
    'calls'.padStart(7),
    'fail'.padStart(5),
    'calls/s'.padStart(8),
    'p50 ms'.padStart(7),
    'p99 ms'.padStart(7),
    'thr/bare'.padStart(9),
    'p50/bare'.padStart(9),
  ].join(' '),
);
for (const r of http.rows) {
  console.log(
    [
      r.side.padEnd(16),
      String(r.concurrency).padStart(5),
      String(r.calls).padStart(7),
      String(r.failures).padStart(5),
      r.callsPerS.toFixed(0).padStart(8),
      r.p50_ms.toFixed(2).padStart(7),
      r.p99_ms.toFixed(2).padStart(7),
      r.throughputVsBare.toFixed(2).padStart(9),
      r.p50VsBare.toFixed(2).padStart(9),
    ].join(' '),
  );
}
for (const failure of http.failures) console.log(`  failed: ${failure}`);
const authRatios = http.rows
  .filter((r) => r.side === 'tollgate+auth')
  .map((r) => `${r.throughputVsBare.toFixed(2)} at ${r.concurrency}`)
  .join(', ');
console.log(`\nthroughput tollgate+auth / bare: ${authRatios}   target >= 0.95 at 1, 16 and 64`);
console.log(
  '\nbare: SDK v2 McpServer per request via createMcpHandler + toNodeHandler on node:http; tollgate:' +
    ' createServer().start({ http }), records -> /dev/null;\ntollgate+auth: the same with auth on, one ES256 token' +
    ' (as a client caches it) on every request, verified in full once, then answered from the cache of verified' +
    ' tokens (30 s at most, by default) and verified again in full when its entry ends.\nEach server is a child' +
    ` process; conc keep-alive connections each send tools/call back to back (protocol ${HTTP_PROTOCOL_VERSION},` +
    " no initialize).\ncalls/s, p50, p99: median over rounds of each round's figure; thr/bare and p50/bare:" +
    ' against bare at the same conc. fail must be 0.',
);

// --- The nightly job against rate-limited, faulty simulators, next to a naive Promise.all baseline.
const nightlySizes = process.env.TOLLGATE_BENCH_BIG === '1' ? [400, 5000] : [400];
console.log(
  `\nNightly job: CRM ${NIGHTLY_LIMITS.crm}, enrichment ${NIGHTLY_LIMITS.enrichment}, ~10% retryable faults,` +
    ' 2% lost CRM responses. One run per side (no medians: these runs are long).\n',
);
console.log(
  [
    'side'.padEnd(9),
    'accts'.padStart(6),
    'unfin'.padStart(6),
    'wall s'.padStart(8),
    'floor s'.padStart(8),
    'ratio'.padStart(6),
    'batch fl s'.padStart(11),
    'wall/bfl'.padStart(9),
    'calls'.padStart(7),
    'all 429%'.padStart(9),
    'lim 429%'.padStart(9),
    'dup co/ct/task/draft'.padStart(21),
    'RSS MB'.padStart(7),
  ].join(' '),
);
for (const accounts of nightlySizes) {
  for (const r of await benchNightly(accounts)) {
    console.log(
      [
        r.side.padEnd(9),
        String(r.accounts).padStart(6),
        String(r.unfinished).padStart(6),
        r.wallS.toFixed(1).padStart(8),
        r.floorS.toFixed(1).padStart(8),
        r.ratio.toFixed(2).padStart(6),
        r.batchFloorS.toFixed(2).padStart(11),
        (r.wallS / r.batchFloorS).toFixed(1).padStart(9),
        String(r.upstreamCalls).padStart(7),
        (r.share429 * 100).toFixed(1).padStart(9),
        (r.limiter429 * 100).toFixed(1).padStart(9),
        `${r.dupCompanies}/${r.dupContacts}/${r.dupTasks}/${r.dupDrafts ?? '-'}`.padStart(21),
        (r.peakRssMb === null ? '-' : r.peakRssMb.toFixed(0)).padStart(7),
      ].join(' '),
    );
    if (r.durationS !== null && r.floorCallsS !== null) {
      console.log(
        `          (summary.duration_ms incl. server start: ${r.durationS.toFixed(1)} s;` +
          ` floor from summary.calls: ${r.floorCallsS.toFixed(1)} s, ratio ${(r.wallS / r.floorCallsS).toFixed(2)})`,
      );
    }
  }
}
console.log(
  '\nwall: tollgate from its first upstream request to summary.finished_at (server start excluded);' +
    ' naive from Promise.all start to end.\nfloor: max over CRM and enrichment of (requests the vendor limiter counted' +
    ' = requests - limiter 429s - injected faults) / limit per s.' +
    "\nbatch floor: the fewest requests the vendors' batch caps (100) allow for the same work (per 100 accounts a CRM read," +
    ' a company upsert and a bulk enrichment; per 100 leads and per 100 tasks one request), over the same limits.' +
    '\ncalls: vendor requests (CRM + enrichment). all 429%: every 429 over them, the 2% injected included;' +
    " lim 429%: the vendors' limiters' own 429s, what pacing is answerable for." +
    '\nRSS: tollgate = VmHWM of the `tollgate run nightly` process (sampled /proc every 50 ms, servers not included);' +
    ' naive = maxRSS growth of the bench process, if any.' +
    '\ntargets (tollgate): wall/bfl <= 1.1, lim 429% < 1, unfin 0, duplicates 0; 5,000 accounts in <= 35.5 s' +
    ' (one twentieth of the 710 s of the job before batch tools).',
);

// TOLLGATE_BENCH_HUGE=1 adds a night of 100,000 accounts (another number: that many), the job alone.
const huge = process.env.TOLLGATE_BENCH_HUGE;
if (huge !== undefined && huge !== '' && huge !== '0') {
  const accounts = huge === '1' ? 100_000 : Number(huge);
  console.log(
    `\nA night of ${accounts.toLocaleString('en-US')} accounts, the job alone, same limits and faults\n`,
  );
  const r = await benchHuge(accounts);
  const rows: [string, string, string][] = [
    ['accounts unfinished', String(r.unfinished), '0'],
    ['wall s', r.wallS.toFixed(1), ''],
    ['batch floor s', r.batchFloorS.toFixed(1), ''],
    ['vendor requests', String(r.upstreamCalls), ''],
    ['vendor requests per account', r.requestsPerAccount.toFixed(3), '<= 0.1'],
    ['CRM requests', String(r.crmRequests), ''],
    [
      `share of HubSpot Free's daily quota (${HUBSPOT_FREE.perDay.toLocaleString('en-US')})`,
      `${(r.dailyQuotaShare * 100).toFixed(2)}%`,
      '<= 2%',
    ],
    [`the CRM requests at Free's ${HUBSPOT_FREE.per10s} per 10 s, min`, (r.atFreeLimitS / 60).toFixed(1), ''],
    ['lim 429%', (r.limiter429 * 100).toFixed(2), '< 1'],
    [
      'duplicates co/ct/task/draft',
      `${r.dupCompanies}/${r.dupContacts}/${r.dupTasks}/${r.dupDrafts ?? '-'}`,
      '0',
    ],
    ['peak RSS MB', r.peakRssMb === null ? '-' : r.peakRssMb.toFixed(0), '<= 200'],
  ];
  for (const [name, value, target] of rows) {
    console.log(`${name.padEnd(52)} ${value.padStart(10)}   ${target === '' ? '' : `target ${target}`}`);
  }
}

await startSection();
