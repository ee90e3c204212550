import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/tollgate.js', import.meta.url));
const SERVERS = ['crm', 'enrichment', 'warehouse', 'outreach'] as const;
type Server = (typeof SERVERS)[number];

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tollgate-stdio-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'stdio-test', version: '1' },
  },
};

/** `tollgate serve <server>` as a real child, with raw pipes, the way any MCP client starts it. */
function start(server: Server, flags: string[] = []): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [bin, 'serve', server, ...flags], {
    env: {
      PATH: process.env.PATH ?? '',
      TOLLGATE_HOME: home,
      // Never called here: the enrichment server only needs to know where its vendor would be.
      ENRICHMENT_VENDOR_URL: 'http://127.0.0.1:9',
      ENRICHMENT_API_KEY: 'unused',
    },
  });
}

function send(child: ChildProcessWithoutNullStreams, message: unknown): void {
  child.stdin.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
}

/** Resolves with each JSON line the child writes on stdout, in order. */
function lines(child: ChildProcessWithoutNullStreams): () => Promise<Record<string, unknown>> {
  const queue: Record<string, unknown>[] = [];
  const waiting: ((line: Record<string, unknown>) => void)[] = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += String(chunk);
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, end)) as Record<string, unknown>;
      buffer = buffer.slice(end + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else queue.push(line);
    }
  });
  return () => {
    const next = queue.shift();
    return next ? Promise.resolve(next) : new Promise((resolve) => waiting.push(resolve));
  };
}

/** Milliseconds from now until the child exits, or Infinity if it is still running after `within`. */
function exitWithin(child: ChildProcessWithoutNullStreams, within: number): Promise<number> {
  const begin = Date.now();
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(0);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(Number.POSITIVE_INFINITY);
    }, within);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(Date.now() - begin);
    });
  });
}

/** The client goes away by both pipes at once: stdin ends and nobody reads stdout any more. */
function leave(child: ChildProcessWithoutNullStreams): void {
  child.stdin.end();
  child.stdout.destroy();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The bound is generous for a loaded machine; before this change these servers never exited at all.
const GONE_WITHIN_MS = 8_000;

describe('a stdio server whose client leaves', () => {
  for (const server of SERVERS) {
    it(`${server}: exits when the client closes both pipes right after writing initialize`, async () => {
      const child = start(server);
      send(child, initialize);
      leave(child);
      expect(await exitWithin(child, GONE_WITHIN_MS)).toBeLessThan(GONE_WITHIN_MS);
    }, 30_000);
  }

  it('exits when the client leaves at any moment of start-up or after it, and the next start works', async () => {
    for (const delay of [0, 50, 150, 400, 900]) {
      const child = start('crm');
      send(child, initialize);
      await sleep(delay);
      leave(child);
      expect(await exitWithin(child, GONE_WITHIN_MS), `left after ${delay} ms`).toBeLessThan(GONE_WITHIN_MS);
    }
    // After answering, with a connection in use.
    const used = start('crm');
    const next = lines(used);
    send(used, initialize);
    expect(await next()).toMatchObject({ id: 1, result: { serverInfo: { name: 'crm' } } });
    send(used, { jsonrpc: '2.0', method: 'notifications/initialized' });
    send(used, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(await next()).toMatchObject({ id: 2 });
    leave(used);
    expect(await exitWithin(used, GONE_WITHIN_MS)).toBeLessThan(GONE_WITHIN_MS);

    // The store was let go: the next server on the same home reads and writes it.
    const again = start('crm');
    const answers = lines(again);
    send(again, initialize);
    expect(await answers()).toMatchObject({ id: 1 });
    send(again, { jsonrpc: '2.0', method: 'notifications/initialized' });
    send(again, {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'upsert_account', arguments: { domain: 'initech.com', score: 10 } },
    });
    const upsert = await answers();
    expect(upsert).toMatchObject({
      id: 2,
      result: { structuredContent: { account: { domain: 'initech.com' } } },
    });
    again.stdin.end();
    expect(await exitWithin(again, GONE_WITHIN_MS)).toBeLessThan(GONE_WITHIN_MS);
  }, 120_000);
});

describe('a stdio server given what it cannot parse', () => {
  it('answers each bad line with the JSON-RPC error, and keeps serving', async () => {
    const child = start('outreach');
    const next = lines(child);
    send(child, initialize);
    expect(await next()).toMatchObject({ id: 1, result: {} });

    send(child, '{"jsonrpc": "2.0", "id": 2, "method": ');
    expect(await next()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: expect.any(String) },
    });

    send(child, { jsonrpc: '1.0', id: 3, method: 'tools/list' });
    expect(await next()).toMatchObject({ jsonrpc: '2.0', id: 3, error: { code: -32600 } });

    send(child, { jsonrpc: '2.0', id: null, method: 'tools/list' });
    expect(await next()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });

    send(child, { jsonrpc: '2.0', id: 5, method: 'tools/list', params: [] });
    expect(await next()).toMatchObject({ jsonrpc: '2.0', id: 5, error: { code: -32600, message: /params/ } });

    send(child, [{ jsonrpc: '2.0', id: 6, method: 'tools/list' }]);
    expect(await next()).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: /batch/ },
    });

    send(child, '42');
    expect(await next()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });

    // Still serving.
    send(child, { jsonrpc: '2.0', id: 7, method: 'tools/list' });
    expect(await next()).toMatchObject({ id: 7, result: { tools: expect.any(Array) } });
    child.stdin.end();
    expect(await exitWithin(child, GONE_WITHIN_MS)).toBeLessThan(GONE_WITHIN_MS);
  }, 60_000);
});

describe('a stdio server started by the nightly job', () => {
  it('with --ignore-interrupt, lives through the Ctrl-C its terminal sends the whole group, until its stdin ends', async () => {
    const child = start('outreach', ['--ignore-interrupt']);
    const next = lines(child);
    send(child, initialize);
    expect(await next()).toMatchObject({ id: 1 });
    child.kill('SIGINT');
    await sleep(300);
    send(child, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(await next()).toMatchObject({ id: 2, result: { tools: expect.any(Array) } });
    child.stdin.end();
    expect(await exitWithin(child, GONE_WITHIN_MS)).toBeLessThan(GONE_WITHIN_MS);
  }, 60_000);

  it('without it, stops on Ctrl-C', async () => {
    const child = start('outreach');
    const next = lines(child);
    send(child, initialize);
    expect(await next()).toMatchObject({ id: 1 });
    child.kill('SIGINT');
    expect(await exitWithin(child, GONE_WITHIN_MS)).toBeLessThan(GONE_WITHIN_MS);
  }, 60_000);
});
