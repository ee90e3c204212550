/**
 * Token auth of a real `tollgate serve outreach --http` process against a real identity provider
 * (a node:http server publishing RFC 8414 metadata and a JWKS, which the test can take down): how
 * the server behaves while the provider is down, who the principal is, what a refused request
 * leaves in the log, and what the listener does with requests it will not read.
 */

import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type Answer,
  rpcAnswer,
  type ServerProcess,
  startServerProcess,
  TokenMint,
  Wire,
} from '../test/securityTestSupport.ts';

interface Provider {
  base: string;
  requests: number;
  down: boolean;
  close(): Promise<void>;
}

async function startProvider(mint: TokenMint): Promise<Provider> {
  const state = { requests: 0, down: false };
  let base = '';
  const server: Server = createHttpServer((req, res) => {
    state.requests += 1;
    if (state.down) return void res.writeHead(502).end('bad gateway');
    const json = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/oauth-authorization-server') {
      return json({ issuer: base, jwks_uri: `${base}/jwks.json`, token_endpoint: `${base}/token` });
    }
    if (req.url === '/jwks.json') return json(mint.jwks);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

const wire = new Wire();
let mint: TokenMint;
let provider: Provider;
let home: string;
let outreach: ServerProcess;
/** A second server whose provider is down from its start. */
let orphaned: ServerProcess;
let downProvider: Provider;

async function serve(label: string, issuer: string): Promise<ServerProcess> {
  const dir = join(home, label);
  await mkdir(dir);
  await copyFile(inject('pgliteSnapshot'), join(dir, '.pglite-empty.tar'));
  return startServerProcess('outreach', label, {
    PATH: process.env.PATH ?? '',
    TOLLGATE_HOME: dir,
    OUTREACH_AUTH_ISSUER: issuer,
    // Two drafts to one lead within the window would be one draft; this suite is about keys.
    OUTREACH_DRAFT_WINDOW_DAYS: '0',
  });
}

beforeAll(async () => {
  mint = await TokenMint.create();
  home = await mkdtemp(join(tmpdir(), 'tollgate-http-auth-'));
  [provider, downProvider] = await Promise.all([startProvider(mint), startProvider(mint)]);
  downProvider.down = true;
  [outreach, orphaned] = await Promise.all([serve('up', provider.base), serve('down', downProvider.base)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([outreach?.stop(), orphaned?.stop()]);
  await Promise.all([provider?.close(), downProvider?.close()]);
  if (home) await rm(home, { recursive: true, force: true });
});

const token = (server: ServerProcess, issuer: string, claims: Record<string, unknown> = {}) =>
  mint.sign({ iss: issuer, aud: server.url, scope: 'drafts:create drafts:read', ...claims });

const draft = (key: string, lead: string) => ({
  name: 'create_outreach_draft',
  arguments: {
    lead_email: `${lead}@auth-suite.example`,
    domain: 'auth-suite.example',
    subject: 'Hello',
    body: 'From the auth suite.',
    idempotency_key: key,
  },
});

function structured(answer: Answer): Record<string, unknown> {
  expect(answer.status, answer.text).toBe(200);
  return rpcAnswer(answer).result?.structuredContent ?? {};
}

/** The JSON lines a server wrote to stderr that carry `event`. */
function records(server: ServerProcess, event: string): Record<string, unknown>[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.event === event);
}

describe('tollgate serve --http while its identity provider is down', () => {
  it('answers a well-formed token 503 with Retry-After, and asks the provider once per cooldown', async () => {
    for (let i = 0; i < 10; i++) {
      const answer = await wire.rpc(
        orphaned.url,
        'tools/list',
        {},
        { token: await token(orphaned, downProvider.base) },
      );
      expect(answer.status, answer.text).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'temporarily_unavailable' });
    }
    // One round of discovery (three metadata locations), not one per request.
    expect(downProvider.requests).toBeLessThanOrEqual(3);
    const before = downProvider.requests;
    for (const garbage of ['garbage', 'a.b.c', `${'x'.repeat(30)}.${'y'.repeat(30)}.z`]) {
      const answer = await wire.rpc(orphaned.url, 'tools/list', {}, { token: garbage });
      expect(answer.status, answer.text).toBe(401);
    }
    expect(downProvider.requests).toBe(before);
    const refusals = records(orphaned, 'auth_refused');
    expect(refusals.filter((line) => line.status === 503)).toHaveLength(10);
    expect(refusals.some((line) => line.reason === 'malformed' && line.status === 401)).toBe(true);
  });

  it('keeps serving with the keys it has when the provider goes down after start', async () => {
    const first = await wire.rpc(
      outreach.url,
      'tools/list',
      {},
      { token: await token(outreach, provider.base) },
    );
    expect(first.status, first.text).toBe(200);
    provider.down = true;
    try {
      for (let i = 0; i < 5; i++) {
        const answer = await wire.rpc(
          outreach.url,
          'tools/list',
          {},
          { token: await token(outreach, provider.base) },
        );
        expect(answer.status, answer.text).toBe(200);
      }
    } finally {
      provider.down = false;
    }
  });
});

describe('the principal over HTTP is (client, subject)', () => {
  it('keeps two users of one client apart: the same idempotency key makes two drafts', async () => {
    const ada = await token(outreach, provider.base, { client_id: 'gtm-app', sub: 'ada' });
    const bob = await token(outreach, provider.base, { client_id: 'gtm-app', sub: 'bob' });
    const forAda = structured(
      await wire.rpc(outreach.url, 'tools/call', draft('shared-key', 'ada'), { token: ada }),
    );
    const forBob = structured(
      await wire.rpc(outreach.url, 'tools/call', draft('shared-key', 'bob'), { token: bob }),
    );
    expect(forAda.error).toBeUndefined();
    expect(forBob.error).toBeUndefined();
    const idOf = (result: Record<string, unknown>) => (result.draft as { id?: string } | undefined)?.id;
    expect(idOf(forAda)).toBeDefined();
    expect(idOf(forBob)).not.toBe(idOf(forAda));
    expect((forBob.draft as { lead_email: string }).lead_email).toBe('bob@auth-suite.example');
    // Ada's retry replays Ada's draft.
    const again = await wire.rpc(outreach.url, 'tools/call', draft('shared-key', 'ada'), { token: ada });
    expect(idOf(structured(again))).toBe(idOf(forAda));

    const calls = records(outreach, 'tool_call').filter((line) => line.tool === 'create_outreach_draft');
    expect(calls.map((line) => [line.principal, line.client, line.subject])).toEqual([
      ['gtm-app/ada', 'gtm-app', 'ada'],
      ['gtm-app/bob', 'gtm-app', 'bob'],
      ['gtm-app/ada', 'gtm-app', 'ada'],
    ]);
    expect(calls.map((line) => line.replayed)).toEqual([false, false, true]);
  });

  it('names the client alone for a client-credentials token whose subject is the client', async () => {
    const app = await token(outreach, provider.base, { client_id: 'nightly', sub: 'nightly' });
    structured(
      await wire.rpc(
        outreach.url,
        'tools/call',
        { name: 'list_outreach_drafts', arguments: {} },
        { token: app },
      ),
    );
    const line = records(outreach, 'tool_call').findLast((record) => record.tool === 'list_outreach_drafts');
    expect(line).toMatchObject({ principal: 'nightly', client: 'nightly' });
    expect(line).not.toHaveProperty('subject');
  });
});

describe('requests refused at the door', () => {
  it('records each 401 with its reason, never the token', async () => {
    const expired = await token(outreach, provider.base, { exp: Math.floor(Date.now() / 1000) - 3600 });
    const before = records(outreach, 'auth_refused').length;
    expect((await wire.rpc(outreach.url, 'tools/list', {})).status).toBe(401);
    expect((await wire.rpc(outreach.url, 'tools/list', {}, { token: expired })).status).toBe(401);
    const lines = records(outreach, 'auth_refused').slice(before);
    expect(lines.map((line) => [line.status, line.reason])).toEqual([
      [401, 'missing_token'],
      [401, 'expired'],
    ]);
    expect(outreach.output()).not.toContain(expired.split('.')[2]);
  });

  it('answers TRACE and other methods 405, not 500', async () => {
    for (const method of ['TRACE', 'PUT', 'PATCH']) {
      const answer = await rawRequest(outreach.url, method, {});
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe('GET, POST, DELETE');
    }
  });

  it('answers an unauthenticated request without reading its body, and closes the connection', async () => {
    const url = new URL(outreach.url);
    const started = Date.now();
    const closed = await new Promise<{ head: string; sent: number }>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      let head = '';
      let sent = 0;
      socket.on('connect', () => {
        socket.write(
          `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n` +
            'content-length: 900000\r\n\r\n',
        );
        // A client trickling its body: 1 KiB every 50 ms would take 45 s to send it all.
        const trickle = setInterval(() => {
          if (socket.destroyed) return clearInterval(trickle);
          sent += 1024;
          socket.write('x'.repeat(1024));
        }, 50);
        socket.on('close', () => {
          clearInterval(trickle);
          resolve({ head, sent });
        });
      });
      socket.on('data', (chunk: Buffer) => {
        head += chunk.toString();
      });
      socket.on('error', () => undefined);
      setTimeout(() => reject(new Error('the server held the connection')), 15_000).unref();
    });
    expect(closed.head).toMatch(/^HTTP\/1\.1 401/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(closed.sent).toBeLessThan(900_000);
  });

  it('does not invite a body it would refuse: 413 instead of 100 Continue', async () => {
    const valid = await token(outreach, provider.base);
    const answer = await rawRequest(outreach.url, 'POST', {
      expect: '100-continue',
      'content-type': 'application/json',
      'content-length': String(5 * 1024 * 1024),
      authorization: `Bearer ${valid}`,
    });
    expect(answer.continued).toBe(false);
    expect(answer.status).toBe(413);
    const anonymous = await rawRequest(outreach.url, 'POST', {
      expect: '100-continue',
      'content-type': 'application/json',
      'content-length': '100',
    });
    expect(anonymous.continued).toBe(false);
    expect(anonymous.status).toBe(401);
  });
});

/** One request whose body is never sent; reports whether the server asked for it (100 Continue). */
function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; continued: boolean }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = request(url, { method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, continued }));
    });
    req.on('continue', () => {
      continued = true;
      req.destroy();
      resolve({ status: 100, headers: {}, continued });
    });
    req.on('error', reject);
    if (headers.expect === undefined) req.end();
    else req.flushHeaders();
  });
}
