/**
 * tools/call over stateless Streamable HTTP: throughput and p50/p99 latency at concurrency 1, 16
 * and 64 for one read tool, served by a bare SDK v2 McpServer, by Tollgate without auth and by
 * Tollgate validating a bearer token, all measured the same way in the same run.
 *
 *   node --import tsx packages/core/bench/http.bench.ts < /dev/null     (this section alone)
 *   TOLLGATE_BENCH_HTTP_MS=N sets the measured window per cell (default 500), _ROUNDS the rounds (7).
 *
 * Each server side runs in its own child process. In-process, the load generator (HTTP parsing,
 * JSON, 64 workers) would share the server's event loop, and its CPU would be added to every
 * side's latency and cap every side's throughput alike, squeezing the ratios towards 1. As
 * separate processes the server has its own event loop and, on a 2-core machine, its own core,
 * as in production where clients are remote; separate children also keep one side's heap and JIT
 * state from affecting another. Only the side being measured is busy at any time.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ISSUER, SCOPE, SIDES, type Side, TOOL } from './httpSide.ts';

export const HTTP_CONCURRENCY = [1, 16, 64] as const;
/**
 * 2025-06-18 is what SDK clients negotiate by default. The stateless handler serves it without an
 * initialize per request when the header names the version, so every request is one tools/call.
 */
export const HTTP_PROTOCOL_VERSION = '2025-06-18';

export interface HttpBenchRow {
  side: Side;
  concurrency: number;
  /** Successful calls over all measured rounds. */
  calls: number;
  failures: number;
  /** Medians across rounds of each round's figure. */
  callsPerS: number;
  p50_ms: number;
  p99_ms: number;
  /** This side's calls/s and p50 over the bare side's at the same concurrency (1 for bare). */
  throughputVsBare: number;
  p50VsBare: number;
}

interface Target {
  side: Side;
  url: URL;
  headers: Record<string, string>;
  child: ChildProcess;
}

interface Cell {
  calls: number;
  failures: number;
  callsPerS: number[];
  p50_ms: number[];
  p99_ms: number[];
}

const DOMAINS = Array.from({ length: 50 }, (_, i) => `acme${i}.com`);
const BODIES = DOMAINS.map((domain, i) =>
  Buffer.from(
    JSON.stringify({
      jsonrpc: '2.0',
      id: i + 1,
      method: 'tools/call',
      params: { name: TOOL, arguments: { domain } },
    }),
  ),
);

export async function benchHttp(
  options: { windowMs?: number; rounds?: number } = {},
): Promise<{ rows: HttpBenchRow[]; failures: string[] }> {
  const windowMs = options.windowMs ?? Number(process.env.TOLLGATE_BENCH_HTTP_MS ?? 500);
  const rounds = options.rounds ?? Number(process.env.TOLLGATE_BENCH_HTTP_ROUNDS ?? 7);
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };

  const targets = await Promise.all(
    SIDES.map(async (side): Promise<Target> => {
      const { child, url } = await spawnSide(
        side,
        side === 'tollgate+auth' ? JSON.stringify(publicJwk) : undefined,
      );
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': HTTP_PROTOCOL_VERSION,
      };
      if (side === 'tollgate+auth') {
        // One token for every request, as a client caches its token until it expires. The server
        // keeps its defaults: it verifies the token in full once, then answers from its cache of
        // verified tokens until the entry's 30 s are up (see verifiedTokenCache.ts).
        const token = await new SignJWT({ scope: SCOPE, client_id: 'bench-agent' })
          .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'at+jwt' })
          .setIssuer(ISSUER)
          .setAudience(url.href)
          .setIssuedAt()
          .setExpirationTime('1h')
          .sign(privateKey);
        headers.authorization = `Bearer ${token}`;
      }
      return { side, url, headers, child };
    }),
  );

  const failures: string[] = [];
  const cells = new Map<string, Cell>();
  const key = (side: Side, concurrency: number) => `${side}@${concurrency}`;
  try {
    // Warm up the JIT of every server (and the client) before anything is recorded.
    for (const target of targets) await measure(target, 16, 1000, []);
    for (let round = 0; round < rounds; round++) {
      for (const [ci, concurrency] of HTTP_CONCURRENCY.entries()) {
        // Rotate the order each time so drift in machine load does not favour any side.
        for (let i = 0; i < targets.length; i++) {
          const target = targets[(round + ci + i) % targets.length] as Target;
          const result = await measure(target, concurrency, windowMs, failures);
          const cell = cells.get(key(target.side, concurrency)) ?? {
            calls: 0,
            failures: 0,
            callsPerS: [],
            p50_ms: [],
            p99_ms: [],
          };
          cell.calls += result.samples.length;
          cell.failures += result.failures;
          cell.callsPerS.push(result.samples.length / (result.elapsedMs / 1000));
          result.samples.sort((a, b) => a - b);
          cell.p50_ms.push(quantile(result.samples, 0.5));
          cell.p99_ms.push(quantile(result.samples, 0.99));
          cells.set(key(target.side, concurrency), cell);
        }
      }
    }
  } finally {
    await Promise.all(targets.map((target) => stopSide(target.child)));
  }

  const rows: HttpBenchRow[] = [];
  for (const concurrency of HTTP_CONCURRENCY) {
    const bare = cells.get(key('bare', concurrency)) as Cell;
    for (const side of SIDES) {
      const cell = cells.get(key(side, concurrency)) as Cell;
      const callsPerS = median(cell.callsPerS);
      const p50 = median(cell.p50_ms);
      rows.push({
        side,
        concurrency,
        calls: cell.calls,
        failures: cell.failures,
        callsPerS,
        p50_ms: p50,
        p99_ms: median(cell.p99_ms),
        throughputVsBare: callsPerS / median(bare.callsPerS),
        p50VsBare: p50 / median(bare.p50_ms),
      });
    }
  }
  return { rows, failures };
}

/**
 * `concurrency` workers, each on its own keep-alive connection, issue calls back to back for
 * `windowMs`. Connections are opened by a few unrecorded calls first, so connection set-up is
 * never measured, and closed afterwards, so no idle socket outlives the server's keep-alive.
 */
async function measure(
  target: Target,
  concurrency: number,
  windowMs: number,
  failures: string[],
): Promise<{ samples: number[]; failures: number; elapsedMs: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let failed = 0;
  const samples: number[] = [];
  const worker = async (w: number, until: () => boolean, record: boolean) => {
    for (let n = w; until(); n += concurrency) {
      const index = n % BODIES.length;
      const started = performance.now();
      const response = await post(agent, target, BODIES[index] as Buffer).catch((error: unknown) => ({
        status: 0,
        body: String(error),
      }));
      const elapsed = performance.now() - started;
      const problem = check(response, DOMAINS[index] as string);
      if (problem === undefined) {
        if (record) samples.push(elapsed);
      } else {
        failed += 1;
        if (failures.length < 10) failures.push(`${target.side} c=${concurrency}: ${problem}`);
      }
    }
  };
  try {
    await Promise.all(
      Array.from({ length: concurrency }, (_, w) => {
        let left = 3;
        return worker(w, () => left-- > 0, false);
      }),
    );
    const started = performance.now();
    const deadline = started + windowMs;
    await Promise.all(
      Array.from({ length: concurrency }, (_, w) => worker(w, () => performance.now() < deadline, true)),
    );
    return { samples, failures: failed, elapsedMs: performance.now() - started };
  } finally {
    agent.destroy();
  }
}

function post(agent: Agent, target: Target, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      target.url,
      {
        method: 'POST',
        agent,
        headers: { ...target.headers, 'content-length': String(body.length) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Undefined for a successful tool result echoing the domain asked for, else what was wrong. */
function check(response: { status: number; body: string }, domain: string): string | undefined {
  const brief = () => `HTTP ${response.status} ${response.body.slice(0, 200)}`;
  if (response.status !== 200) return brief();
  // The stateless handler may answer as JSON or as a one-event SSE stream.
  const json = response.body.startsWith('{')
    ? response.body
    : response.body
        .split('\n')
        .find((line) => line.startsWith('data: '))
        ?.slice(6);
  if (json === undefined) return brief();
  try {
    const message = JSON.parse(json) as {
      result?: { isError?: boolean; structuredContent?: { domain?: unknown } };
    };
    if (message.result === undefined || message.result.isError === true) return brief();
    if (message.result.structuredContent?.domain !== domain) return brief();
    return undefined;
  } catch {
    return brief();
  }
}

async function spawnSide(
  side: Side,
  publicJwk: string | undefined,
): Promise<{ child: ChildProcess; url: URL }> {
  const child = fork(
    fileURLToPath(new URL('./httpSide.ts', import.meta.url)),
    [side, ...(publicJwk ? [publicJwk] : [])],
    {
      execArgv: ['--import', import.meta.resolve('tsx')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${side} server did not start within 30 s`)), 30_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(new URL((message as { url: string }).url));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${side} server exited with ${code} before listening`));
    });
  });
  return { child, url };
}

async function stopSide(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send('close');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[index] as number;
}

function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

// Run alone: prints the rows; `npm run bench` prints them as a table with a legend.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { rows, failures } = await benchHttp();
  console.table(
    rows.map((r) => ({
      ...r,
      callsPerS: Math.round(r.callsPerS),
      p50_ms: +r.p50_ms.toFixed(3),
      p99_ms: +r.p99_ms.toFixed(3),
      throughputVsBare: +r.throughputVsBare.toFixed(2),
      p50VsBare: +r.p50VsBare.toFixed(2),
    })),
  );
  for (const failure of failures) console.log(`failed: ${failure}`);
}
