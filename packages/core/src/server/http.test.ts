import { request } from 'node:http';
import { captureLogs } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTool } from '../../test/fixtures.ts';
import { createServer } from './createServer.ts';
import type { HttpOptions } from './http.ts';

/** A server serving HTTP inside this process: each test that needs other options starts its own. */
const listen = (http: HttpOptions = {}) =>
  createServer({
    name: 'http',
    version: '1.0.0',
    tools: [probeTool],
    grantedScopes: ['probe:read'],
    log: { destination: captureLogs().stream },
  }).start({ http, process: false });

let listener: Awaited<ReturnType<typeof listen>>;
beforeAll(async () => {
  listener = await listen({ maxBodyBytes: 4096 });
});
afterAll(() => listener.close());

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

function send(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: listener.url.hostname,
        port: listener.url.port,
        path,
        method: options.method ?? 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the Streamable HTTP listener', () => {
  it('serves MCP on /mcp for a loopback Host', async () => {
    const response = await send('/mcp', { body: initialize });
    expect(response.status).toBe(200);
    expect(response.body).toContain('"serverInfo"');
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const response = await send('/mcp', { body: initialize, headers: { host: 'attacker.example:80' } });
    expect(response.status).toBe(403);
  });

  it('refuses a foreign Origin', async () => {
    const response = await send('/mcp', {
      body: initialize,
      headers: { origin: 'https://attacker.example' },
    });
    expect(response.status).toBe(403);
  });

  it('accepts a loopback Origin', async () => {
    const response = await send('/mcp', { body: initialize, headers: { origin: 'http://localhost:6274' } });
    expect(response.status).toBe(200);
  });

  it('answers 413 to a body over the cap without reading it', async () => {
    const response = await send('/mcp', { body: `${initialize}${' '.repeat(8192)}` });
    expect(response.status).toBe(413);
  });

  it('answers health checks and 404 elsewhere', async () => {
    expect((await send('/healthz', { method: 'GET' })).status).toBe(200);
    expect((await send('/other', { body: initialize })).status).toBe(404);
  });

  it('refuses to bind a non-loopback interface without allowed hosts', async () => {
    await expect(listen({ host: '0.0.0.0' })).rejects.toThrow(/allowedHosts/);
  });

  it('reports readiness from the check it is given, and not-ready while draining', async () => {
    let healthy = false;
    const probed = await listen({
      ready: async () => {
        if (!healthy) throw new Error('store down');
      },
    });
    try {
      const readyz = () => fetch(new URL('/readyz', probed.url)).then((response) => response.status);
      expect(await readyz()).toBe(503);
      healthy = true;
      expect(await readyz()).toBe(200);
    } finally {
      await probed.close();
    }
  });

  it('lets a call in flight finish when closing, and refuses new ones', async () => {
    const draining = await listen();
    const call = (mode: string) =>
      fetch(draining.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'probe', arguments: { mode } },
        }),
      });
    // 'hang' runs into the tool's 300 ms deadline: long enough to be in flight during close().
    const inFlight = call('hang');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = draining.close();
    const late = await call('ok').then(
      (response) => response.status,
      () => 'refused',
    );
    const finished = await inFlight;
    await closed;
    expect(finished.status).toBe(200);
    expect(await finished.text()).toContain('"code":"timeout"');
    expect([503, 'refused']).toContain(late);
  });
});

describe('the connection cap', () => {
  it('closes connections beyond maxConnections, and serves again once they go', async () => {
    const { connect } = await import('node:net');
    const capped = await listen({ maxConnections: 3 });
    const open = async () => {
      const socket = connect(Number(capped.url.port), capped.url.hostname);
      await new Promise((resolve) => socket.once('connect', resolve));
      return socket;
    };
    /** Whether a new connection gets an answer to a health check, or is closed unanswered. */
    const answered = async () => {
      const socket = await open();
      return new Promise<boolean>((resolve) => {
        let data = '';
        socket.on('data', (chunk: Buffer) => {
          data += chunk.toString();
        });
        socket.on('close', () => resolve(data.startsWith('HTTP/1.1 200')));
        socket.on('error', () => undefined);
        socket.end(`GET /healthz HTTP/1.1\r\nhost: ${capped.url.host}\r\nconnection: close\r\n\r\n`);
      });
    };
    try {
      const idle = await Promise.all([open(), open(), open()]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await answered()).toBe(false);
      for (const socket of idle) socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await answered()).toBe(true);
    } finally {
      await capped.close();
    }
  });
});
