/**
 * One server side of the HTTP benchmark, run as a child process of `http.bench.ts`: the same read
 * tool served over stateless Streamable HTTP on 127.0.0.1 by a bare SDK v2 McpServer, by Tollgate
 * without auth, or by Tollgate with bearer-token auth. The child sends `{ url }` over IPC once it
 * listens and closes its server when the parent sends `'close'` (or goes away).
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { localhostHostValidation, toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import type { JWK } from 'jose';
import { createServer, defineTool } from '../src/index.ts';
import {
  BENCH_TOOL,
  benchHandler as handler,
  benchInput as input,
  benchOutput as output,
} from './benchTool.ts';

export const SIDES = ['bare', 'tollgate', 'tollgate+auth'] as const;
export type Side = (typeof SIDES)[number];

export const TOOL = BENCH_TOOL;
export const SCOPE = 'accounts:read';
export const ISSUER = 'https://issuer.bench.test';

/** The SDK's own stateless serving on plain node:http, with no Tollgate code in the path. */
async function serveBare(): Promise<{ url: URL; close(): Promise<void> }> {
  // A fresh McpServer per request is the SDK's stateless idiom (createMcpHandler calls the factory
  // once per HTTP request), as Tollgate's factory builds a fresh low-level Server per request.
  const mcp = createMcpHandler(() => {
    const server = new McpServer({ name: 'bare', version: '1.0.0' });
    server.registerTool(
      TOOL,
      { description: 'Look up an account.', inputSchema: input, outputSchema: output },
      async (args) => {
        const result = await handler(args);
        return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
      },
    );
    return server;
  });
  const node = toNodeHandler(mcp);
  // The Host check the SDK asks of every loopback server (DNS rebinding); Tollgate does it too.
  const validateHost = localhostHostValidation();
  const server = createHttpServer((req, res) => {
    if (!validateHost(req, res)) return;
    // The body is read and parsed here and handed over, as an express app passes `req.body`: the
    // same fast path Tollgate's listener takes, so the baseline is the SDK at its best.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: unknown;
      try {
        body = chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      node(req as Parameters<typeof node>[0], res, body).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await mcp.close();
    },
  };
}

async function serveTollgate(publicJwk: JWK | undefined): Promise<{ url: URL; close(): Promise<void> }> {
  const tool = defineTool({
    name: TOOL,
    title: 'Get account',
    description: 'Look up an account.',
    scopes: [SCOPE],
    kind: 'read',
    input,
    output,
    handler,
  });
  const server = createServer({
    name: 'gate',
    version: '1.0.0',
    tools: [tool],
    grantedScopes: [SCOPE],
    secrets: ['bench-upstream-credential-0123456789'],
    log: { destination: '/dev/null' },
  });
  const listener = await server.start({
    http: publicJwk === undefined ? {} : { auth: { issuer: ISSUER, keys: { keys: [publicJwk] } } },
    process: false,
  });
  return { url: listener.url, close: () => listener.close() };
}

export function serveSide(side: Side, publicJwk?: JWK): Promise<{ url: URL; close(): Promise<void> }> {
  if (side === 'bare') return serveBare();
  if (side === 'tollgate') return serveTollgate(undefined);
  if (publicJwk === undefined) throw new Error('tollgate+auth needs the issuer public key');
  return serveTollgate(publicJwk);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const side = process.argv[2] as Side;
  const jwk = process.argv[3] === undefined ? undefined : (JSON.parse(process.argv[3]) as JWK);
  const served = await serveSide(side, jwk);
  let stopping = false;
  // No process.exit: pino may still be opening its destination; the process ends once all is closed.
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void served.close().finally(() => process.connected && process.disconnect());
  };
  process.on('message', (message) => {
    if (message === 'close') stop();
  });
  process.on('disconnect', stop);
  process.send?.({ url: served.url.href });
}
