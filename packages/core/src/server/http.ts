import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  hostHeaderValidation,
  localhostHostValidation,
  localhostOriginValidation,
  originValidation,
  toNodeHandler,
} from '@modelcontextprotocol/node';
import type { AuthInfo, McpHttpHandler } from '@modelcontextprotocol/server';
import {
  bearerChallenge,
  bearerToken,
  type HttpAuthOptions,
  PRM_PATH,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from '../auth/resourceServer.ts';
import { createTokenVerifier, InvalidTokenError, type TokenVerifier } from '../auth/tokenVerifier.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

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

/** What the HTTP layer asks of the gate to answer 403 before a call reaches it. */
export interface AccessPolicy {
  /** Every scope some tool of this server needs and the server may grant (for the metadata). */
  readonly scopesSupported: readonly string[];
  /** The scopes a tool requires; undefined for a tool this server does not have. */
  requiredScopes(tool: string): readonly string[] | undefined;
  /** A token's scopes narrowed to what this server grants. */
  effectiveScopes(tokenScopes: readonly string[]): ReadonlySet<string>;
  /** Writes the call record of a call refused here, so refusals are recorded like any call. */
  recordDenied(call: DeniedCall): Promise<void>;
  /** Records a request refused before any call was read: no token, a bad one, or keys unavailable. */
  recordRefused?(refusal: RefusedRequest): void;
}

/** A request refused for its credentials: never the token itself, only why. */
export interface RefusedRequest {
  status: 401 | 503;
  /** `missing_token`, `not_bearer`, or the verifier's reason (`expired`, `wrong_audience`, …). */
  reason: string;
  method: string;
  remoteAddress: string | undefined;
}

export const DEFAULT_MAX_CONNECTIONS = 1024;
/** The methods Streamable HTTP uses; anything else at the MCP path is answered 405. */
const MCP_METHODS = new Set(['GET', 'POST', 'DELETE']);

export interface DeniedCall {
  tool: string;
  arguments: Record<string, unknown> | undefined;
  meta: Record<string, unknown> | undefined;
  clientId: string;
  subject: string | undefined;
  scopes: ReadonlySet<string>;
}

export interface HttpListener {
  /** The MCP endpoint, e.g. http://127.0.0.1:41234/mcp */
  readonly url: URL;
  /** The canonical URL tokens must name, when auth is on. */
  readonly resource: string | undefined;
  /** Stops accepting, lets calls in flight finish (up to the drain timeout), then closes. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const JSON_HEADERS = { 'content-type': 'application/json' } as const;

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

  let auth:
    | { verifier: TokenVerifier; resource: string; metadataUrl: string; metadata: Record<string, unknown> }
    | undefined;
  let draining = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const reply = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { ...JSON_HEADERS, ...headers }).end(JSON.stringify(body));
  };

  const unauthorized = (res: ServerResponse, error: 'invalid_token' | undefined, description: string) => {
    if (auth === undefined) return;
    const challenge = bearerChallenge({
      resourceMetadata: auth.metadataUrl,
      ...(error ? { error, description } : {}),
    });
    reply(
      res,
      401,
      { error: error ?? 'unauthorized', error_description: description },
      { 'www-authenticate': challenge, connection: 'close' },
    );
  };

  const refused = (req: IncomingMessage, status: 401 | 503, reason: string) => {
    try {
      access?.recordRefused?.({
        status,
        reason,
        method: req.method ?? '',
        remoteAddress: req.socket.remoteAddress,
      });
    } catch {
      // A record that cannot be written does not change the answer.
    }
  };

  /** Verifies the bearer token; answers 401/503 itself and returns undefined when it fails. */
  const authenticate = async (req: IncomingMessage, res: ServerResponse): Promise<AuthInfo | undefined> => {
    if (auth === undefined) return undefined;
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) {
      refused(req, 401, 'missing_token');
      unauthorized(res, undefined, 'This server requires a bearer token; see the resource metadata.');
      return undefined;
    }
    if (token === null) {
      refused(req, 401, 'not_bearer');
      unauthorized(res, 'invalid_token', 'The Authorization header does not carry a Bearer token.');
      return undefined;
    }
    try {
      const verified = await auth.verifier.verify(token);
      return {
        token,
        clientId: verified.clientId,
        scopes: verified.scopes,
        expiresAt: verified.expiresAt,
        resource: new URL(auth.resource),
        ...(verified.subject === undefined ? {} : { extra: { subject: verified.subject } }),
      };
    } catch (error) {
      const reason = error instanceof InvalidTokenError ? error.reason : 'invalid';
      if (error instanceof InvalidTokenError && error.unavailable) {
        refused(req, 503, reason);
        reply(
          res,
          503,
          { error: 'temporarily_unavailable', error_description: error.message },
          { 'retry-after': '5', connection: 'close' },
        );
      } else {
        refused(req, 401, reason);
        const description =
          error instanceof InvalidTokenError ? error.message : 'The access token is invalid.';
        unauthorized(res, 'invalid_token', description);
      }
      return undefined;
    }
  };

  /** 403 for a tools/call the token's scopes do not cover, naming every scope the call needs. */
  const checkScopes = async (body: unknown, info: AuthInfo, res: ServerResponse): Promise<boolean> => {
    if (access === undefined || auth === undefined) return true;
    const effective = access.effectiveScopes(info.scopes);
    const needed = new Set<string>();
    const denied: DeniedCall[] = [];
    for (const message of Array.isArray(body) ? body : [body]) {
      const call = toolsCall(message);
      if (call === undefined) continue;
      const required = access.requiredScopes(call.tool);
      if (required === undefined || required.every((scope) => effective.has(scope))) continue;
      for (const scope of required) needed.add(scope);
      denied.push({ ...call, clientId: info.clientId, subject: subjectOf(info), scopes: effective });
    }
    if (denied.length === 0) return true;
    await Promise.all(denied.map((call) => access.recordDenied(call).catch(() => undefined)));
    const scope = [...needed];
    const description = `Calling ${denied.map((call) => call.tool).join(', ')} requires scopes: ${scope.join(' ')}.`;
    reply(
      res,
      403,
      { error: 'insufficient_scope', error_description: description, scope: scope.join(' ') },
      {
        'www-authenticate': bearerChallenge({
          resourceMetadata: auth.metadataUrl,
          error: 'insufficient_scope',
          description,
          scope,
        }),
      },
    );
    return false;
  };

  const handleMcp = async (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) return tooLarge(req, res, maxBodyBytes);
    const info = await authenticate(req, res);
    if (auth !== undefined && info === undefined) {
      // Its body is never read: the connection closes once the answer is out, rather than holding a
      // socket while an unauthenticated client trickles in up to maxBodyBytes.
      closeAfterAnswer(req, res);
      return;
    }
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
      if (info !== undefined && !(await checkScopes(parsedBody, info, res))) return;
    }
    const forwarded = req as IncomingMessage & { auth?: AuthInfo };
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
    if (auth !== undefined && req.method === 'GET' && isMetadataPath(url.pathname, path)) {
      return reply(res, 200, auth.metadata, { 'access-control-allow-origin': '*' });
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
      if (options.auth !== undefined) auth = resourceServer(options.auth, listenerUrl(), access);
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
    resource: auth?.resource,
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

function resourceServer(options: HttpAuthOptions, listening: URL, access: AccessPolicy | undefined) {
  const resource = options.resource ?? listening.href;
  const verifier = createTokenVerifier({ ...options, audience: options.audience ?? resource });
  return {
    verifier,
    resource,
    metadataUrl: protectedResourceMetadataUrl(resource),
    metadata: protectedResourceMetadata({
      resource,
      issuer: options.issuer,
      scopesSupported: access?.scopesSupported ?? [],
      resourceName: options.resourceName,
      documentationUrl: options.documentationUrl,
    }),
  };
}

/** Both the RFC 9728 path-suffixed location and the bare one, which some clients try first. */
function isMetadataPath(pathname: string, mcpPath: string): boolean {
  return pathname === PRM_PATH || pathname === `${PRM_PATH}${mcpPath}`;
}

function toolsCall(message: unknown): Omit<DeniedCall, 'clientId' | 'subject' | 'scopes'> | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { method, params } = message as { method?: unknown; params?: unknown };
  if (method !== 'tools/call' || typeof params !== 'object' || params === null) return undefined;
  const { name, arguments: args, _meta } = params as { name?: unknown; arguments?: unknown; _meta?: unknown };
  if (typeof name !== 'string') return undefined;
  return {
    tool: name,
    arguments: isRecord(args) ? args : undefined,
    meta: isRecord(_meta) ? _meta : undefined,
  };
}

/** The token's subject, which the listener puts in `AuthInfo.extra` beside the SDK's `clientId`. */
export function subjectOf(info: AuthInfo): string | undefined {
  return typeof info.extra?.subject === 'string' ? info.extra.subject : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

/** The body as text, or undefined once it passes the cap (a chunked body declares no length). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/**
 * Ends the connection once the answer is written, without reading what is left of the request: a
 * refused client cannot keep the socket by sending its body slowly.
 */
function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  const close = () => {
    req.socket.end();
    // A client still sending gets a second to read the answer, then the socket is gone.
    setTimeout(() => req.socket.destroy(), 1_000).unref();
  };
  if (res.writableFinished) {
    close();
    return;
  }
  if (!res.headersSent) res.setHeader('connection', 'close');
  res.once('finish', close);
}

function tooLarge(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): void {
  res.writeHead(413, { ...JSON_HEADERS, connection: 'close' });
  res.end(JSON.stringify({ error: `request body exceeds ${maxBodyBytes} bytes` }));
  req.resume();
}
