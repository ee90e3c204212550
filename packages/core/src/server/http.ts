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
import { bearerToken, type HttpAuthOptions } from '../auth/resourceServer.ts';
import type { AccessPolicy } from './accessPolicy.ts';
import { type BearerAuth, bearerAuth } from './bearerAuth.ts';
import { closeAfterAnswer, readBody, reply, tooLarge } from './httpExchange.ts';
import { insufficientScope } from './insufficientScope.ts';
import { type ProtectedResourceEndpoint, protectedResourceEndpoint } from './protectedResourceEndpoint.ts';
import { refuse } from './refusal.ts';

export type { AccessPolicy, DeniedCall, RefusedRequest } from './accessPolicy.ts';
export { subjectOf } from './bearerAuth.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_CONNECTIONS = 1024;

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
  /**
   * Bearer-token auth (OAuth 2.1 resource server). Without it the endpoint is open, which is
   * allowed on loopback only.
   */
  auth?: HttpAuthOptions;
  /** Let a non-loopback server run without `auth` (e.g. behind a proxy that authenticates). */
  allowUnauthenticated?: boolean;
  /** What `/readyz` checks besides "not shutting down", e.g. that the store answers. */
  ready?: () => Promise<unknown>;
  /** How long `close()` waits for calls in flight before cutting connections. Default 10 s. */
  drainTimeoutMs?: number;
  /** The most time a client may take to send one request. Default 60 s. */
  requestTimeoutMs?: number;
  /**
   * The most connections held open at once; further ones are closed as they arrive, so idle or
   * slow clients cannot take every socket the process has. Default 1024.
   */
  maxConnections?: number;
}

export interface HttpListener {
  /** The MCP endpoint, e.g. http://127.0.0.1:41234/mcp */
  readonly url: URL;
  /** The canonical URL tokens must name, when auth is on. */
  readonly resource: string | undefined;
  /** Stops accepting, lets calls in flight finish (up to the drain timeout), then closes. */
  close(): Promise<void>;
}

/** The methods Streamable HTTP uses; anything else at the MCP path is answered 405. */
const MCP_METHODS = new Set(['GET', 'POST', 'DELETE']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Serves an MCP handler over stateless Streamable HTTP on node:http: Host/Origin checks, body
 * limits, bearer-token auth with RFC 9728 metadata, scope challenges, health and readiness, and a
 * graceful drain. Stateless, so replicas can sit behind any load balancer.
 */
export async function listenHttp(
  handler: McpHttpHandler,
  options: HttpOptions = {},
  access?: AccessPolicy,
): Promise<HttpListener> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/mcp';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!LOOPBACK.has(host) && options.allowedHosts === undefined) {
    throw new Error(
      `Refusing to bind ${host} without allowedHosts: list the host names clients use to reach this server ` +
        '(DNS-rebinding protection).',
    );
  }
  if (!LOOPBACK.has(host) && options.auth === undefined && !options.allowUnauthenticated) {
    throw new Error(
      `Refusing to serve ${host} without token auth: configure an issuer (…_AUTH_ISSUER) or, if a proxy in ` +
        'front authenticates every request, allow it explicitly (…_AUTH=none).',
    );
  }
  const validateHost = options.allowedHosts
    ? hostHeaderValidation(options.allowedHosts)
    : localhostHostValidation();
  const validateOrigin = options.allowedOrigins
    ? originValidation(options.allowedOrigins)
    : localhostOriginValidation();
  const mcp = toNodeHandler(handler, { maxRequestBodySize: maxBodyBytes });

  // Both need the URL the server listens on, so they are made once it does (before any request).
  let auth: { bearer: BearerAuth; metadata: ProtectedResourceEndpoint } | undefined;
  let draining = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const handleMcp = async (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) return tooLarge(req, res, maxBodyBytes);
    const authenticated = auth === undefined ? undefined : await auth.bearer.authenticate(req);
    if (authenticated?.ok === false) return refuse(req, res, authenticated.refusal, access);
    const info = authenticated?.info;
    let parsedBody: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, maxBodyBytes);
      if (raw === undefined) return tooLarge(req, res, maxBodyBytes);
      try {
        parsedBody = JSON.parse(raw);
      } catch {
        return reply(res, 400, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32700, message: 'Parse error: the request body is not valid JSON.' },
        });
      }
      if (info !== undefined && access !== undefined && auth !== undefined) {
        const refusal = insufficientScope(parsedBody, info, access, auth.bearer.metadataUrl);
        if (refusal !== undefined) return refuse(req, res, refusal, access);
      }
    }
    const forwarded = req as IncomingMessage & { auth?: typeof info };
    if (info !== undefined) forwarded.auth = info;
    await mcp(forwarded as Parameters<typeof mcp>[0], res, parsedBody);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/healthz') return reply(res, 200, { status: 'ok' });
    if (req.method === 'GET' && url.pathname === '/readyz') {
      void readiness(draining, options.ready).then(({ status, body }) => reply(res, status, body));
      return;
    }
    if (!validateHost(req, res) || !validateOrigin(req, res)) return;
    if (auth !== undefined && req.method === 'GET' && auth.metadata.serves(url.pathname)) {
      return auth.metadata.answer(res);
    }
    if (url.pathname !== path) return reply(res, 404, { error: 'not found' });
    if (!MCP_METHODS.has(req.method ?? '')) {
      closeAfterAnswer(req, res);
      return reply(
        res,
        405,
        { error: `method ${req.method} is not allowed here` },
        { allow: 'GET, POST, DELETE' },
      );
    }
    if (draining) {
      req.resume();
      return reply(res, 503, { error: 'shutting down' }, { connection: 'close', 'retry-after': '1' });
    }
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    handleMcp(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  };
  const server = createHttpServer(onRequest);
  // `Expect: 100-continue`: invite the body only when it could be read. Too large, or no credentials
  // when they are required, is answered at once, and the client never sends the body.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === path && declared > maxBodyBytes) {
      closeAfterAnswer(req, res);
      return tooLarge(req, res, maxBodyBytes);
    }
    if (auth === undefined || bearerToken(req.headers.authorization)) res.writeContinue();
    onRequest(req, res);
  });
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  server.requestTimeout = options.requestTimeoutMs ?? 60_000;
  server.headersTimeout = Math.min(15_000, server.requestTimeout);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      // Set before the first request can be handled: 'listening' precedes every 'request'.
      if (options.auth !== undefined) {
        const bearer = bearerAuth(options.auth, listenerUrl());
        const scopes = access?.scopesSupported ?? [];
        auth = { bearer, metadata: protectedResourceEndpoint(options.auth, bearer.resource, path, scopes) };
      }
      resolve();
    });
  });
  function listenerUrl(): URL {
    const address = server.address() as AddressInfo;
    const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return new URL(`http://${urlHost}:${address.port}${path}`);
  }

  let closing: Promise<void> | undefined;
  return {
    url: listenerUrl(),
    resource: auth?.bearer.resource,
    close: () => {
      closing ??= (async () => {
        draining = true;
        server.close();
        server.closeIdleConnections();
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            drained = resolve;
            setTimeout(resolve, options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS).unref();
          });
        }
        await handler.close();
        server.closeAllConnections();
      })();
      return closing;
    },
  };
}

async function readiness(
  draining: boolean,
  ready: (() => Promise<unknown>) | undefined,
): Promise<{ status: number; body: unknown }> {
  if (draining) return { status: 503, body: { status: 'draining' } };
  if (ready === undefined) return { status: 200, body: { status: 'ready' } };
  try {
    await Promise.race([
      ready(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 2_000).unref()),
    ]);
    return { status: 200, body: { status: 'ready' } };
  } catch {
    return { status: 503, body: { status: 'not ready' } };
  }
}
