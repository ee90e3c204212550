import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  hostHeaderValidation,
  localhostHostValidation,
  localhostOriginValidation,
  originValidation,
  toNodeHandler,
} from '@modelcontextprotocol/node';
import type { McpHttpHandler } from '@modelcontextprotocol/server';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface HttpOptions {
  /** Default 127.0.0.1. Binding anything other than loopback requires `allowedHosts`. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Where MCP is served. Default `/mcp`. */
  path?: string;
  /**
   * Host header names accepted (DNS-rebinding protection). Default on loopback: localhost,
   * 127.0.0.1 and [::1]. Required when binding another interface.
   */
  allowedHosts?: string[];
  /** Origin hostnames accepted from browsers. Default: loopback names only. */
  allowedOrigins?: string[];
  /** Requests with a larger body are answered 413. Default 1 MiB. */
  maxBodyBytes?: number;
}

export interface HttpListener {
  /** The MCP endpoint, e.g. http://127.0.0.1:41234/mcp */
  readonly url: URL;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Serves an MCP handler over Streamable HTTP on node:http, with Host/Origin checks and body limits. */
export async function listenHttp(handler: McpHttpHandler, options: HttpOptions = {}): Promise<HttpListener> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/mcp';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!LOOPBACK.has(host) && options.allowedHosts === undefined) {
    throw new Error(
      `Refusing to bind ${host} without allowedHosts: list the host names clients use to reach this server ` +
        '(DNS-rebinding protection).',
    );
  }
  const validateHost = options.allowedHosts
    ? hostHeaderValidation(options.allowedHosts)
    : localhostHostValidation();
  const validateOrigin = options.allowedOrigins
    ? originValidation(options.allowedOrigins)
    : localhostOriginValidation();
  const mcp = toNodeHandler(handler, { maxRequestBodySize: maxBodyBytes });

  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (!validateHost(req, res) || !validateOrigin(req, res)) return;
    if (url.pathname !== path) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) {
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ error: `request body exceeds ${maxBodyBytes} bytes` }));
      req.resume();
      return;
    }
    void mcp(req as Parameters<typeof mcp>[0], res);
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 15_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: new URL(`http://${urlHost}:${address.port}${path}`),
    close: async () => {
      await handler.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
