/**
 * Start-up: how soon each stdio server answers `initialize`, and how much memory it holds idle,
 * next to a bare MCP SDK v2 stdio server (bareStdioServer.js) measured in the same run. Each
 * server is started as a host starts it: `node packages/cli/bin/tollgate.js serve <name>` with
 * piped stdio, `initialize` written at once; the time is from spawn to the answer's line.
 * - warm: one TOLLGATE_HOME whose stores have been opened before (a warm-up start per server,
 *   not counted);
 * - cold: a new, empty TOLLGATE_HOME for every start.
 * Idle RSS is the child's VmRSS 2 s after it answered. Then a first tool call follows (a read that
 * opens the store), with its time and the RSS after it: what the store costs once used. On a new
 * home that call also creates the store, from the installation's snapshot when the build made one.
 * Also: all four servers started at once (as Claude Code starts them) against four bare servers.
 *
 *   TOLLGATE_BENCH=start npm run bench        (this section alone; TOLLGATE_BENCH_RUNS=n, default 5;
 *                                             TOLLGATE_BENCH_BIN=path/to/bin/tollgate.js, another checkout)
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

// TOLLGATE_BENCH_BIN=<another checkout>/packages/cli/bin/tollgate.js measures that checkout's servers
// beside the same bare server (before/after comparisons).
const BIN =
  process.env.TOLLGATE_BENCH_BIN ??
  fileURLToPath(new URL('../packages/cli/bin/tollgate.js', import.meta.url));
const BARE = fileURLToPath(new URL('./bareStdioServer.js', import.meta.url));
const IDLE_MS = 2_000;

export const START_SERVERS = ['crm', 'enrichment', 'warehouse', 'outreach'] as const;
export type StartSide = 'bare' | (typeof START_SERVERS)[number];
const SIDES: readonly StartSide[] = ['bare', ...START_SERVERS];

/** A cheap read per side: it opens the store (enrichment's then fails on the unreachable vendor). */
const FIRST_CALL: Record<StartSide, { name: string; arguments: Record<string, unknown> }> = {
  bare: { name: 'get_account', arguments: { domain: 'acme.com' } },
  crm: { name: 'get_account', arguments: { domain: 'acme.com' } },
  enrichment: { name: 'get_account_signals', arguments: { domain: 'acme.com' } },
  warehouse: { name: 'list_accounts', arguments: { limit: 1 } },
  outreach: { name: 'list_outreach_drafts', arguments: { limit: 1 } },
};

export interface StartRow {
  side: StartSide;
  mode: 'warm' | 'cold';
  runs: number;
  /** Median ms from spawn to the `initialize` answer. */
  initMs: number;
  initVsBare: number;
  /** Median VmRSS MB, idle after `initialize`. */
  idleRssMb: number;
  rssVsBare: number;
  /** Median ms of the first tool call (cold: it creates the store), and VmRSS MB after it. */
  firstCallMs: number | null;
  usedRssMb: number | null;
}

export interface TogetherRow {
  side: 'bare x4' | 'tollgate x4';
  /** Median ms from spawning four to the last `initialize` answer. */
  slowestInitMs: number;
  /** Median of the four processes' idle VmRSS summed, MB. */
  totalIdleRssMb: number;
}

interface Sample {
  initMs: number;
  idleRssMb: number;
  firstCallMs?: number;
  usedRssMb?: number;
}

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

/** Settings every server needs to start; nothing points at a real database or vendor. */
function serverEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TOLLGATE_HOME: home };
  for (const name of Object.keys(env)) {
    if (name === 'DATABASE_URL' || name.endsWith('_DATABASE_URL') || name.endsWith('_DATA_DIR'))
      delete env[name];
  }
  env.ENRICHMENT_VENDOR_URL = 'http://127.0.0.1:9/';
  env.ENRICHMENT_API_KEY = 'bench-only-key-0000-0000';
  return env;
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One started server, answering JSON-RPC over its stdio. */
class Started {
  readonly child: Child;
  readonly spawnedAt = performance.now();
  readonly #waiting = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();
  #buffer = '';
  #nextId = 1;
  stderr = '';

  constructor(side: StartSide, home: string) {
    this.child = spawn(process.execPath, side === 'bare' ? [BARE] : [BIN, 'serve', side], {
      env: serverEnv(home),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + String(chunk)).slice(-4_000);
    });
    this.child.stdout.on('data', (chunk) => {
      this.#buffer += chunk;
      for (let end = this.#buffer.indexOf('\n'); end >= 0; end = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 1);
        const message = JSON.parse(line) as { id?: number; result?: unknown; error?: unknown };
        if (typeof message.id === 'number') this.#waiting.get(message.id)?.(message);
      }
    });
    this.child.stdin.on('error', () => undefined);
  }

  request(method: string, params: Record<string, unknown>, timeoutMs = 120_000): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method} not answered: ${this.stderr}`)), timeoutMs);
      this.child.once('exit', (code) => reject(new Error(`exited with ${code}: ${this.stderr}`)));
      this.#waiting.set(id, (message) => {
        clearTimeout(timer);
        if (message.error !== undefined) reject(new Error(`${method}: ${JSON.stringify(message.error)}`));
        else resolve(message.result);
      });
      this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  }

  /** Resolves with ms from spawn to the answer. */
  async initialize(): Promise<number> {
    await this.request('initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'tollgate-start-bench', version: '0.0.0' },
    });
    const ms = performance.now() - this.spawnedAt;
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    return ms;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

async function startOnce(side: StartSide, home: string, firstCall: boolean): Promise<Sample> {
  const started = new Started(side, home);
  try {
    const initMs = await started.initialize();
    await sleep(IDLE_MS);
    const sample: Sample = { initMs, idleRssMb: rssMb(started.child.pid) };
    if (firstCall) {
      const at = performance.now();
      await started.request('tools/call', FIRST_CALL[side]);
      sample.firstCallMs = performance.now() - at;
      await sleep(1_000);
      sample.usedRssMb = rssMb(started.child.pid);
    }
    return sample;
  } finally {
    await started.stop();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function withHome<T>(use: (home: string) => Promise<T>): Promise<T> {
  const home = await mkdtemp(join(tmpdir(), 'tollgate-start-bench-'));
  try {
    return await use(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function rows(mode: 'warm' | 'cold', samples: Map<StartSide, Sample[]>): StartRow[] {
  const bare = samples.get('bare') ?? [];
  const bareInit = median(bare.map((s) => s.initMs));
  const bareRss = median(bare.map((s) => s.idleRssMb));
  return SIDES.map((side) => {
    const list = samples.get(side) ?? [];
    const initMs = median(list.map((s) => s.initMs));
    const idleRssMb = median(list.map((s) => s.idleRssMb));
    const calls = list.flatMap((s) => (s.firstCallMs === undefined ? [] : [s.firstCallMs]));
    const used = list.flatMap((s) => (s.usedRssMb === undefined ? [] : [s.usedRssMb]));
    return {
      side,
      mode,
      runs: list.length,
      initMs,
      initVsBare: initMs / bareInit,
      idleRssMb,
      rssVsBare: idleRssMb / bareRss,
      firstCallMs: calls.length === 0 ? null : median(calls),
      usedRssMb: used.length === 0 ? null : median(used),
    };
  });
}

/** Starts the four servers (or four bare ones) at once; the slowest answer and the summed idle RSS. */
async function startTogether(tollgate: boolean, home: string): Promise<{ slowest: number; rss: number }> {
  const all = (tollgate ? START_SERVERS : (['bare', 'bare', 'bare', 'bare'] as const)).map(
    (side) => new Started(side, home),
  );
  try {
    const times = await Promise.all(all.map((started) => started.initialize()));
    await sleep(IDLE_MS);
    return { slowest: Math.max(...times), rss: all.reduce((sum, s) => sum + rssMb(s.child.pid), 0) };
  } finally {
    await Promise.all(all.map((started) => started.stop()));
  }
}

export async function benchStart(runs = Number(process.env.TOLLGATE_BENCH_RUNS ?? 5)): Promise<{
  rows: StartRow[];
  together: TogetherRow[];
}> {
  return withHome(async (home) => {
    // Warm-up, not counted: each store is created and opened once; the file cache holds the code.
    for (const side of SIDES) await startOnce(side, home, true);

    const warm = new Map<StartSide, Sample[]>(SIDES.map((side) => [side, []]));
    const cold = new Map<StartSide, Sample[]>(SIDES.map((side) => [side, []]));
    // Sides interleaved run by run, so a noisy moment on a shared machine hits every side alike.
    for (let run = 0; run < runs; run++) {
      for (const side of SIDES) warm.get(side)?.push(await startOnce(side, home, true));
    }
    for (let run = 0; run < runs; run++) {
      for (const side of SIDES) {
        cold.get(side)?.push(await withHome((fresh) => startOnce(side, fresh, true)));
      }
    }
    const together: Record<'bare' | 'tollgate', { slowest: number; rss: number }[]> = {
      bare: [],
      tollgate: [],
    };
    for (let run = 0; run < runs; run++) {
      together.bare.push(await startTogether(false, home));
      together.tollgate.push(await startTogether(true, home));
    }
    return {
      rows: [...rows('warm', warm), ...rows('cold', cold)],
      together: [
        {
          side: 'bare x4',
          slowestInitMs: median(together.bare.map((t) => t.slowest)),
          totalIdleRssMb: median(together.bare.map((t) => t.rss)),
        },
        {
          side: 'tollgate x4',
          slowestInitMs: median(together.tollgate.map((t) => t.slowest)),
          totalIdleRssMb: median(together.tollgate.map((t) => t.rss)),
        },
      ],
    };
  });
}

/** Prints the section as `npm run bench` does. */
export function printStart(result: { rows: StartRow[]; together: TogetherRow[] }): void {
  console.log(
    [
      'side'.padEnd(11),
      'home'.padEnd(5),
      'runs'.padStart(4),
      'init ms'.padStart(8),
      'x bare'.padStart(7),
      'idle MB'.padStart(8),
      'x bare'.padStart(7),
      '1st call ms'.padStart(12),
      'used MB'.padStart(8),
    ].join(' '),
  );
  for (const r of result.rows) {
    console.log(
      [
        r.side.padEnd(11),
        r.mode.padEnd(5),
        String(r.runs).padStart(4),
        r.initMs.toFixed(0).padStart(8),
        r.initVsBare.toFixed(2).padStart(7),
        r.idleRssMb.toFixed(0).padStart(8),
        r.rssVsBare.toFixed(2).padStart(7),
        (r.firstCallMs === null ? '-' : r.firstCallMs.toFixed(0)).padStart(12),
        (r.usedRssMb === null ? '-' : r.usedRssMb.toFixed(0)).padStart(8),
      ].join(' '),
    );
  }
  console.log('');
  for (const t of result.together) {
    console.log(
      `${t.side.padEnd(12)} started at once: last initialize after ${t.slowestInitMs.toFixed(0)} ms,` +
        ` ${t.totalIdleRssMb.toFixed(0)} MB idle in all`,
    );
  }
  console.log(
    '\ninit: spawn to the initialize answer (median); idle: VmRSS 2 s later; x bare: against the bare SDK' +
      ' server in the same home mode.\n1st call / used: a read that opens the store (cold: creates it), and' +
      ' VmRSS after it. targets: init <= 2.00 x bare (warm and cold), idle <= 150 MB.',
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printStart(await benchStart());
}
