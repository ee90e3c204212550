/**
 * A development OAuth 2.1 authorization server: client-credentials tokens (RFC 9068 JWTs signed
 * ES256) for testing Tollgate servers as resource servers on one machine. It is NOT for
 * production: clients live in a JSON file, there is one signing key and no rotation, no
 * revocation, no consent, no rate limiting, and no audit. Use your identity provider there.
 *
 * A package of its own (`@tollgate/dev-issuer`), which no server depends on, so a production server
 * cannot pick it up by accident. It reads no environment: `tollgate token` says where its files live.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWTPayload } from 'jose';
import { type DevClient, parseDevClients } from './clients.ts';
import { DevIssuerError } from './privateFiles.ts';
import {
  type DevSigningKey,
  loadOrCreateSigningKey,
  type PublicJwks,
  publicJwks,
  signWithKey,
} from './signingKey.ts';
import { answerTokenRequest, type TokenResponse } from './tokenRequest.ts';

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
const MAX_TOKEN_REQUEST_BYTES = 16 * 1024;
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/** The issuer URL for a host and port: `http://127.0.0.1:4500` (no trailing slash). */
export function issuerUrl(host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, '');
  return `http://${bare.includes(':') ? `[${bare}]` : bare}:${port}`;
}

export type DevIssuerOptions = {
  /** Default 0: any free port (`tollgate token serve` uses 4500). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The registered clients (see `loadDevClients`). */
  clients: readonly DevClient[];
  /** Lifetime of issued tokens. Default 3600 s. */
  tokenTtlSeconds?: number;
  /**
   * The issuer URL when clients reach this server under another name than `http://host:port`
   * (a container, a proxy). Required when binding every interface.
   */
  issuer?: string;
  /** One line per issued or refused token (never a secret or a token). */
  log?: (line: string) => void;
} & (
  | {
      /** Where `signing-key.json` lives (created on first use); `tollgate token` uses `$TOLLGATE_HOME/issuer`. */
      dir: string;
      key?: never;
    }
  | {
      /** A key held in memory (tests); nothing is written. */
      key: DevSigningKey;
      dir?: never;
    }
);

export interface DevIssuer {
  /** The issuer identifier, e.g. `http://127.0.0.1:4500`: the `iss` of every token. */
  readonly issuer: string;
  /** RFC 8414 metadata: `<issuer>/.well-known/oauth-authorization-server`. */
  readonly metadataUrl: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  /** The public keys, as served at `jwksUri`. */
  readonly jwks: PublicJwks;
  /**
   * Signs `claims` exactly as given with the issuer's key (header `{ alg: ES256, kid, typ: at+jwt }`,
   * `kid`/`typ` overridable): for static bearer setups and for tests that need expired,
   * not-yet-valid or wrong-audience tokens. Pair with `accessTokenClaims` for a normal token.
   */
  mint(claims: JWTPayload, header?: { kid?: string; typ?: string }): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the development issuer: RFC 8414 metadata, a JWKS and a client-credentials token endpoint.
 *
 * @example
 * const issuer = await startDevIssuer({ dir: './issuer', clients: [{ client_id: 'nightly', client_secret, resources: { '*': ['leads:read'] } }] });
 * // POST issuer.tokenEndpoint: grant_type=client_credentials&resource=http://127.0.0.1:3001/mcp
 */
export async function startDevIssuer(options: DevIssuerOptions): Promise<DevIssuer> {
  const clients = parseDevClients({ clients: options.clients }, 'clients');
  const key = options.key ?? (await loadOrCreateSigningKey(options.dir));
  const host = options.host ?? '127.0.0.1';
  const ttlSeconds = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new DevIssuerError(`tokenTtlSeconds must be a whole number of seconds above 0, not ${ttlSeconds}`);
  }
  if (WILDCARD_HOSTS.has(host) && options.issuer === undefined) {
    throw new DevIssuerError(
      `Binding ${host} (every interface) needs an issuer URL: the one clients and servers use to reach ` +
        'this issuer, e.g. http://issuer.local:4500 (option issuer, or --issuer).',
    );
  }
  const jwks = publicJwks(key);
  const log = options.log ?? (() => {});
  let urls: Urls | undefined;

  const server = createServer((req, res) => {
    if (urls === undefined) return void send(res, 503, { error: 'temporarily_unavailable' });
    void route(req, res, urls).catch(() => {
      if (!res.headersSent)
        send(res, 500, { error: 'server_error', error_description: 'the issuer failed to answer' });
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;

  const route = async (req: IncomingMessage, res: ServerResponse, at: Urls): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://issuer').pathname;
    if (path === '/.well-known/oauth-authorization-server' || path === '/.well-known/jwks.json') {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, 405, methodNotAllowed('GET'), { allow: 'GET' });
      return send(res, 200, path === '/.well-known/jwks.json' ? jwks : metadata(at, clients));
    }
    if (path !== '/token')
      return send(res, 404, { error: 'not_found', error_description: `no endpoint at ${path}` });
    if (req.method !== 'POST') return send(res, 405, methodNotAllowed('POST'), { allow: 'POST' });
    const body = await readBody(req, MAX_TOKEN_REQUEST_BYTES);
    if (body === undefined) {
      return send(
        res,
        413,
        {
          error: 'invalid_request',
          error_description: `request body exceeds ${MAX_TOKEN_REQUEST_BYTES} bytes`,
        },
        { connection: 'close' },
      );
    }
    const answer = await answerTokenRequest(
      { authorization: req.headers.authorization, contentType: req.headers['content-type'], body },
      { issuer: at.issuer, clients, ttlSeconds, sign: (claims) => signWithKey(key, claims) },
    );
    log(describe(answer, new URLSearchParams(body)));
    send(res, answer.status, answer.body, answer.headers);
  };

  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) =>
      reject(
        new DevIssuerError(
          error.code === 'EADDRINUSE'
            ? `Port ${options.port} on ${host} is in use: stop what holds it or choose another port (--port).`
            : `Cannot listen on ${host}:${options.port ?? 0}: ${error.message}`,
          { cause: error },
        ),
      );
    server.once('error', failed);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = (options.issuer ?? issuerUrl(host, port)).replace(/\/+$/, '');
  urls = {
    issuer,
    metadataUrl: `${issuer}/.well-known/oauth-authorization-server`,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    tokenEndpoint: `${issuer}/token`,
  };
  return {
    ...urls,
    jwks,
    mint: (claims, header) => signWithKey(key, claims, header),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Token requests are short; an idle keep-alive socket must not hold the process for seconds.
      server.closeAllConnections();
      await closed;
    },
  };
}

interface Urls {
  issuer: string;
  metadataUrl: string;
  jwksUri: string;
  tokenEndpoint: string;
}

/** RFC 8414 authorization server metadata. There is no authorization endpoint: client credentials only. */
function metadata(urls: Urls, clients: readonly DevClient[]): Record<string, unknown> {
  const scopes = [...new Set(clients.flatMap((client) => Object.values(client.resources).flat()))].sort();
  return {
    issuer: urls.issuer,
    token_endpoint: urls.tokenEndpoint,
    jwks_uri: urls.jwksUri,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    response_types_supported: [],
    ...(scopes.length > 0 ? { scopes_supported: scopes } : {}),
  };
}

function methodNotAllowed(allowed: string): Record<string, string> {
  return { error: 'invalid_request', error_description: `use ${allowed}` };
}

/** A log line about a token request: who, for what, and the outcome. Never the secret or the token. */
function describe(answer: TokenResponse, params: URLSearchParams): string {
  const resource = params.get('resource') ?? '(no resource)';
  if (answer.status === 200) {
    return `issued token: client=${answer.clientId} aud=${resource} scope="${String(answer.body.scope)}"`;
  }
  return `refused token request for ${resource}: ${String(answer.body.error)} (${String(answer.body.error_description)})`;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** The request body as text, or `undefined` once it grows past `limit` bytes (the rest is drained). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return;
      size += chunk.length;
      if (size > limit) resolve(undefined);
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
