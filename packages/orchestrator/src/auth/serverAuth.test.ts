import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createServer, defineTool } from '@tollgate/core';
import {
  accessTokenClaims,
  type DevClient,
  type DevIssuer,
  generateSigningKey,
  startDevIssuer,
} from '@tollgate/dev-issuer';
import { captureLogs } from '@tollgate/testing';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ServerConnection, type ServerSpec } from '../servers/ServerConnection.ts';
import { serverSpecs } from '../servers/serverSpecs.ts';
import { ClientCredentialsTokens } from './ClientCredentialsTokens.ts';
import type { OAuthClientSettings, ServerAuthSettings } from './serverCredentials.ts';

const SECRET = 'nightly-secret-0123456789abcdef';
const clients: DevClient[] = [
  { client_id: 'nightly', client_secret: SECRET, resources: { '*': ['probe:read', 'probe:write'] } },
];
const LAUNCH = { command: 'unused', args: [] };

const ping = defineTool({
  name: 'ping',
  title: 'Ping',
  description: 'Answers pong.',
  scopes: ['probe:read'],
  kind: 'read',
  input: z.object({}),
  output: z.object({ pong: z.boolean().describe('Always true') }),
  handler: () => ({ pong: true }),
});
const poke = defineTool({
  name: 'poke',
  title: 'Poke',
  description: 'Needs the write scope.',
  scopes: ['probe:write'],
  kind: 'upsert',
  input: z.object({}),
  output: z.object({ poked: z.boolean().describe('Always true') }),
  handler: () => ({ poked: true }),
});

/**
 * A real Tollgate server with token auth on, behind a small real HTTP proxy that records every
 * Authorization header and can refuse chosen tokens (a revocation the server itself cannot do).
 * The proxy's URL is the server's public URL, so tokens name it as their audience.
 */
async function protectedServer(issuer: DevIssuer) {
  const state = { authorizations: [] as string[], refused: new Set<string>(), refuseAll: false };
  let upstream: URL | undefined;
  const proxy = createHttpServer((req, res) => {
    const authorization = req.headers.authorization ?? '';
    state.authorizations.push(authorization);
    const token = authorization.replace(/^Bearer /, '');
    if (state.refuseAll || state.refused.has(token)) {
      req.resume();
      res
        .writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': 'Bearer error="invalid_token"',
        })
        .end('{"error":"invalid_token"}');
      return;
    }
    const forward = request(
      upstream as URL,
      { method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp`;
  const server = createServer({
    name: 'probe',
    version: '1.0.0',
    tools: [ping, poke],
    grantedScopes: ['probe:read', 'probe:write'],
    log: { destination: captureLogs().stream },
  });
  const listener = await server.start({
    http: { auth: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, resource: url } },
    process: false,
  });
  upstream = listener.url;
  return {
    url,
    state,
    bearers: () => [...new Set(state.authorizations.filter((header) => header.startsWith('Bearer ')))],
    close: async () => {
      await listener.close();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

let issuer: DevIssuer;
let issued = 0;
let dir: string;
let secretFile: string;
let crm: Awaited<ReturnType<typeof protectedServer>>;
let warehouse: Awaited<ReturnType<typeof protectedServer>>;
const open: ServerConnection[] = [];

beforeAll(async () => {
  issuer = await startDevIssuer({
    key: await generateSigningKey(),
    clients,
    log: (line) => {
      if (line.startsWith('issued token')) issued++;
    },
  });
  dir = await mkdtemp(join(tmpdir(), 'tollgate-auth-'));
  secretFile = join(dir, 'nightly.secret');
  await writeFile(secretFile, `${SECRET}\n`, { mode: 0o600 });
  crm = await protectedServer(issuer);
  warehouse = await protectedServer(issuer);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((connection) => connection.close()));
  crm.state.refused.clear();
  crm.state.refuseAll = false;
});
afterAll(async () => {
  await crm.close();
  await warehouse.close();
  await issuer.close();
  await rm(dir, { recursive: true, force: true });
});

/** The job's settings for OAuth to the CRM: the development issuer, the secret in a file. */
function oauth(
  client: OAuthClientSettings = {},
  servers: ServerAuthSettings['servers'] = {},
): ServerAuthSettings {
  return {
    oauth: { tokenUrl: issuer.tokenEndpoint, clientId: 'nightly', clientSecretFile: secretFile, ...client },
    servers: { ...servers, crm: { url: crm.url, scopes: ['probe:read'], ...servers.crm } },
  };
}

const specsOf = (settings: ServerAuthSettings) => serverSpecs(settings, { launch: LAUNCH, env: {} });

function connect(name: string, spec: ServerSpec): ServerConnection {
  const connection = new ServerConnection(name, spec);
  open.push(connection);
  return connection;
}

const call = (connection: ServerConnection, tool: typeof ping | typeof poke = ping) =>
  connection.call(tool, {}, { attempt: 1 });

describe('OAuth client credentials', () => {
  it('fetches one token per server audience, however many calls, with the secret read from a file', async () => {
    const specs = specsOf(oauth({}, { warehouse: { url: warehouse.url, scopes: ['probe:read'] } }));
    const before = issued;
    const connections = [connect('crm', specs.crm), connect('warehouse', specs.warehouse)];
    const outcomes = await Promise.all(
      connections.flatMap((connection) => Array.from({ length: 8 }, () => call(connection))),
    );
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(issued - before).toBe(2);

    const [crmBearer] = crm.bearers().slice(-1);
    const [warehouseBearer] = warehouse.bearers().slice(-1);
    expect(crmBearer).not.toBe(warehouseBearer);
    const crmClaims = decodeJwt(String(crmBearer).slice('Bearer '.length));
    expect(crmClaims).toMatchObject({ aud: crm.url, scope: 'probe:read', client_id: 'nightly' });
    expect(decodeJwt(String(warehouseBearer).slice('Bearer '.length)).aud).toBe(warehouse.url);
  });

  it('asks for the token audience in TOLLGATE_<NAME>_RESOURCE when it is set', async () => {
    const other = 'https://crm.example.com/mcp';
    const auth = specsOf(oauth({}, { crm: { resource: other } })).crm;
    expect(auth.kind).toBe('http');
    const token = await (auth.kind === 'http' ? auth.auth?.token() : undefined);
    expect(decodeJwt(String(token)).aud).toBe(other);
  });

  it('drops a token the server refuses and retries the request once with a fresh one', async () => {
    const connection = connect('crm', specsOf(oauth()).crm);
    expect((await call(connection)).ok).toBe(true);
    const [first] = crm.bearers().slice(-1);
    crm.state.refused.add(String(first).slice('Bearer '.length));
    const before = issued;

    const outcome = await call(connection);
    expect(outcome.ok).toBe(true);
    expect(issued - before).toBe(1);
    const [second] = crm.bearers().slice(-1);
    expect(second).not.toBe(first);
    expect(crm.state.authorizations.slice(-2)).toEqual([first, second]);
  });

  it('makes a 401 after the fresh token a terminal unauthorized error, refreshing only once', async () => {
    const connection = connect('crm', specsOf(oauth()).crm);
    expect((await call(connection)).ok).toBe(true);
    crm.state.refuseAll = true;
    const before = issued;
    const outcome = await call(connection);
    expect(issued - before).toBe(1);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'unauthorized', retryable: false } });
    if (!outcome.ok) {
      expect(outcome.error.message).toContain('the crm server refused the credentials (401)');
      expect(outcome.error.message).toContain('TOLLGATE_CRM_URL');
    }
  });

  it('makes a 403 insufficient_scope a terminal forbidden error naming the scope and the setting', async () => {
    const connection = connect('crm', specsOf(oauth()).crm);
    const outcome = await call(connection, poke);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'forbidden', retryable: false } });
    if (!outcome.ok) {
      expect(outcome.error.message).toContain('probe:write');
      expect(outcome.error.message).toContain('TOLLGATE_CRM_SCOPES');
    }
  });

  it('reports a refused client secret as terminal, naming the setting and never the secret', async () => {
    const wrong = 'wrong-secret-0123456789abcdef';
    const spec = specsOf(oauth({ clientSecretFile: undefined, clientSecret: wrong })).crm;
    const outcome = await call(connect('crm', spec));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'unauthorized', retryable: false } });
    if (!outcome.ok) {
      expect(outcome.error.message).toMatch(/refused client nightly: invalid_client/);
      expect(outcome.error.message).toContain('TOLLGATE_OAUTH_CLIENT_SECRET');
      expect(outcome.error.message).not.toContain(wrong);
    }
  });

  it('makes an unreachable token endpoint a retryable error', async () => {
    const gone = createHttpServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const { port } = gone.address() as AddressInfo;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    const spec = specsOf(oauth({ tokenUrl: `http://127.0.0.1:${port}/token` })).crm;
    const outcome = await call(connect('crm', spec));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'upstream_unavailable', retryable: true } });
    if (!outcome.ok) expect(outcome.error.message).toContain('ECONNREFUSED');
  });

  it('says which setting is missing', () => {
    expect(() => specsOf(oauth({ clientId: undefined }))).toThrow(/TOLLGATE_OAUTH_CLIENT_ID is not: set it/);
    expect(() => specsOf(oauth({ clientSecretFile: undefined }))).toThrow(
      /client nightly has no secret: set TOLLGATE_OAUTH_CLIENT_SECRET_FILE/,
    );
    expect(() => specsOf({ oauth: { clientId: 'nightly' }, servers: { crm: { url: crm.url } } })).toThrow(
      /without TOLLGATE_OAUTH_TOKEN_URL/,
    );
    expect(() => specsOf(oauth({ tokenUrl: 'http://idp.example.com/token' }))).toThrow(
      /must be an https URL/,
    );
    expect(() => specsOf(oauth({ clientSecretFile: join(dir, 'missing') }))).toThrow(
      /cannot read TOLLGATE_OAUTH_CLIENT_SECRET_FILE .*ENOENT/,
    );
  });
});

describe('the token cache', () => {
  it('fetches a new token shortly before the held one expires, and not earlier', async () => {
    const shortLived = await startDevIssuer({
      key: await generateSigningKey(),
      clients,
      tokenTtlSeconds: 120,
    });
    let requests = 0;
    let now = Date.now();
    const tokens = new ClientCredentialsTokens({
      tokenUrl: shortLived.tokenEndpoint,
      clientId: 'nightly',
      clientSecret: SECRET,
      secretSource: 'TOLLGATE_OAUTH_CLIENT_SECRET',
      fetch: (url, init) => {
        requests++;
        return fetch(url, init);
      },
      now: () => now,
    });
    const audience = {
      server: 'crm',
      resource: crm.url,
      scopes: ['probe:read'],
      resourceSource: 'TOLLGATE_CRM_URL',
      scopesSource: 'TOLLGATE_CRM_SCOPES',
    };
    try {
      const first = await tokens.token(audience);
      const [again] = await Promise.all([tokens.token(audience), tokens.token(audience)]);
      expect(again).toBe(first);
      now += 89_000; // 120 s lifetime, refreshed 30 s before the end
      expect(await tokens.token(audience)).toBe(first);
      now += 2_000;
      const second = await tokens.token(audience);
      expect(second).not.toBe(first);
      expect(requests).toBe(2);
      // Refused together: one fetch for all of them.
      await Promise.all([tokens.refresh(audience), tokens.refresh(audience), tokens.refresh(audience)]);
      expect(requests).toBe(3);
    } finally {
      await shortLived.close();
    }
  });
});

describe('static bearer tokens', () => {
  it('sends TOLLGATE_<NAME>_TOKEN_FILE as the bearer token', async () => {
    const token = await issuer.mint(
      accessTokenClaims({
        issuer: issuer.issuer,
        clientId: 'dev',
        audience: crm.url,
        scopes: ['probe:read'],
        ttlSeconds: 300,
      }),
    );
    const file = join(dir, 'crm.token');
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    const spec = specsOf({ servers: { crm: { url: crm.url, tokenFile: file } } }).crm;
    expect(await call(connect('crm', spec))).toMatchObject({ ok: true });
    expect(crm.state.authorizations.at(-1)).toBe(`Bearer ${token}`);
  });

  it('makes a refused static token a terminal error naming its setting', async () => {
    const expired = await issuer.mint(
      accessTokenClaims({
        issuer: issuer.issuer,
        clientId: 'dev',
        audience: crm.url,
        scopes: ['probe:read'],
        ttlSeconds: 60,
        issuedAt: Math.floor(Date.now() / 1000) - 3600,
      }),
    );
    const spec = specsOf({ servers: { crm: { url: crm.url, token: expired } } }).crm;
    const outcome = await call(connect('crm', spec));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'unauthorized', retryable: false } });
    if (!outcome.ok) {
      expect(outcome.error.message).toContain('TOLLGATE_CRM_TOKEN');
      expect(outcome.error.message).not.toContain(expired);
    }
  });

  it('reads a token file again after a 401, and fails at once when it has not changed', async () => {
    const claims = { issuer: issuer.issuer, clientId: 'dev', audience: crm.url, scopes: ['probe:read'] };
    const expired = await issuer.mint(
      accessTokenClaims({ ...claims, ttlSeconds: 60, issuedAt: Math.floor(Date.now() / 1000) - 3600 }),
    );
    const file = join(dir, 'rotated.token');
    await writeFile(file, expired, { mode: 0o600 });
    const spec = specsOf({ servers: { crm: { url: crm.url, tokenFile: file } } }).crm;
    const connection = connect('crm', spec);
    const refused = await call(connection);
    expect(refused).toMatchObject({ ok: false, error: { code: 'unauthorized', retryable: false } });
    if (!refused.ok) expect(refused.error.message).toContain('TOLLGATE_CRM_TOKEN_FILE');

    await writeFile(file, await issuer.mint(accessTokenClaims({ ...claims, ttlSeconds: 300 })));
    expect(await call(connection)).toMatchObject({ ok: true });
  });

  it('keeps every credential out of what a log of the specs would print', async () => {
    const token = await issuer.mint(
      accessTokenClaims({
        issuer: issuer.issuer,
        clientId: 'dev',
        audience: crm.url,
        scopes: [],
        ttlSeconds: 60,
      }),
    );
    const specs = specsOf(
      oauth(
        { clientSecretFile: undefined, clientSecret: SECRET },
        { warehouse: { url: warehouse.url, token } },
      ),
    );
    const printed = `${inspect(specs, { depth: 20, showHidden: true })}${JSON.stringify(specs)}`;
    expect(printed).not.toContain(SECRET);
    expect(printed).not.toContain(token);
  });

  it('tells what to set when a server wants a token and none is configured', async () => {
    const outcome = await call(connect('crm', { kind: 'http', url: crm.url }));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'unauthorized', retryable: false } });
    if (!outcome.ok) expect(outcome.error.message).toContain('TOLLGATE_CRM_TOKEN');
  });
});
