import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTool } from '../testing/fixtures.ts';
import { captureLogs } from '../testing/index.ts';
import { createServer } from './createServer.ts';
import type { HttpListener } from './http.ts';

const server = createServer({
  name: 'http',
  version: '1.0.0',
  tools: [probeTool],
  grantedScopes: ['probe:read'],
  log: { destination: captureLogs().stream },
});

let listener: HttpListener;
beforeAll(async () => {
  listener = await server.listen({ maxBodyBytes: 4096 });
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
    await expect(server.listen({ host: '0.0.0.0' })).rejects.toThrow(/allowedHosts/);
  });
});
