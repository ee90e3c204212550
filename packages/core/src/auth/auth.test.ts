import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { captureLogs } from '@tollgate/testing';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTool, probeTool } from '../../test/fixtures.ts';
import { createServer, type Serving } from '../server/createServer.ts';
import { protectedResourceMetadataUrl } from './resourceServer.ts';
import { createTokenVerifier, InvalidTokenError } from './tokenVerifier.ts';

const ISSUER = 'https://issuer.test';

interface SigningKey {
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
}

async function signingKey(kid: string, alg: 'ES256' | 'RS256' = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function sign(
  key: SigningKey,
  claims: JWTPayload,
  header: { alg?: string; kid?: string; typ?: string | undefined } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const typ = 'typ' in header ? header.typ : 'at+jwt';
  return new SignJWT({ scope: 'probe:read', client_id: 'agent-7', ...claims })
    .setProtectedHeader({
      alg: header.alg ?? (key.jwk.alg as string),
      kid: header.kid ?? (key.jwk.kid as string),
      ...(typ === undefined ? {} : { typ }),
    })
    .setIssuer((claims.iss as string | undefined) ?? ISSUER)
    .setIssuedAt(now)
    .setExpirationTime((claims.exp as number | undefined) ?? now + 300)
    .sign(key.privateKey);
}

/** An identity provider's JWKS endpoint, counting fetches; `keys` can change to model rotation. */
async function jwksEndpoint(initial: JWK[]) {
  const state = {
    keys: initial,
    fetches: 0,
    /** Every request, metadata and JWKS, answered or not. */
    requests: 0,
    down: false,
    /** How the provider fails while down. */
    failure: '5xx' as '5xx' | 'garbage' | 'hang',
  };
  const server: Server = createHttpServer((req, res) => {
    state.requests += 1;
    if (state.down) {
      if (state.failure === 'hang') return; // never answers
      if (state.failure === 'garbage') return void res.writeHead(200).end('<html>maintenance</html>');
      return void res.writeHead(503).end();
    }
    if (req.url === '/jwks.json') {
      state.fetches += 1;
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: state.keys }));
    }
    if (req.url === '/.well-known/oauth-authorization-server') {
      const { port } = server.address() as AddressInfo;
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: ISSUER, jwks_uri: `http://127.0.0.1:${port}/jwks.json` }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    state,
    base: `http://127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('the token verifier', () => {
  const audience = 'https://crm.test/mcp';
  let key: SigningKey;
  beforeAll(async () => {
    key = await signingKey('k1');
  });
  const verifier = () => createTokenVerifier({ issuer: ISSUER, audience, keys: { keys: [key.jwk] } });

  it('returns the client and scopes of a valid token', async () => {
    const token = await sign(key, { aud: audience, scope: 'a:read b:write' });
    await expect(verifier().verify(token)).resolves.toMatchObject({
      clientId: 'agent-7',
      scopes: ['a:read', 'b:write'],
    });
  });

  it('reads scp arrays and falls back to azp, then sub, for the client', async () => {
    const token = await sign(key, {
      aud: audience,
      scope: undefined,
      scp: ['x:read'],
      client_id: undefined,
      azp: 'app',
    });
    await expect(verifier().verify(token)).resolves.toMatchObject({ clientId: 'app', scopes: ['x:read'] });
  });

  it.each([
    ['expired', { exp: Math.floor(Date.now() / 1000) - 120 }, 'expired'],
    ['not yet valid', { nbf: Math.floor(Date.now() / 1000) + 120 }, 'not_yet_valid'],
    ['for another resource', { aud: 'https://other.test/mcp' }, 'wrong_audience'],
    ['from another issuer', { iss: 'https://evil.test' }, 'wrong_issuer'],
  ])('refuses a token %s', async (_name, claims, reason) => {
    const token = await sign(key, { aud: audience, ...claims });
    await expect(verifier().verify(token)).rejects.toMatchObject({ reason });
  });

  it('accepts expiry within the clock tolerance', async () => {
    const token = await sign(key, { aud: audience, exp: Math.floor(Date.now() / 1000) - 10 });
    await expect(verifier().verify(token)).resolves.toMatchObject({ clientId: 'agent-7' });
  });

  it('refuses a forged signature, alg none, and HS256 signed with the public key', async () => {
    const other = await signingKey('k1');
    const forged = await sign(other, { aud: audience });
    await expect(verifier().verify(forged)).rejects.toMatchObject({ reason: 'bad_signature' });

    const [header, payload] = (await sign(key, { aud: audience })).split('.');
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1' })).toString('base64url');
    await expect(verifier().verify(`${noneHeader}.${payload}.`)).rejects.toMatchObject({
      reason: 'algorithm_not_allowed',
    });
    expect(header).toBeDefined();

    const confused = await new SignJWT({ scope: 'probe:read' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(key.jwk)));
    await expect(verifier().verify(confused)).rejects.toMatchObject({ reason: 'algorithm_not_allowed' });
  });

  it('refuses garbage and a token without exp', async () => {
    await expect(verifier().verify('not.a.jwt')).rejects.toBeInstanceOf(InvalidTokenError);
    const noExp = await new SignJWT({ client_id: 'a' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .sign(key.privateKey);
    await expect(verifier().verify(noExp)).rejects.toMatchObject({ reason: 'missing_claim' });
  });

  it('refuses symmetric and unsigned algorithms at start', () => {
    expect(() =>
      createTokenVerifier({ issuer: ISSUER, audience, keys: { keys: [] }, algorithms: ['HS256'] }),
    ).toThrow(/asymmetric/);
    expect(() =>
      createTokenVerifier({ issuer: ISSUER, audience, keys: { keys: [] }, algorithms: ['none'] }),
    ).toThrow(/asymmetric/);
  });

  it('caches the JWKS and fetches it again for an unknown kid (rotation)', async () => {
    const idp = await jwksEndpoint([key.jwk]);
    try {
      const remote = createTokenVerifier({ issuer: ISSUER, audience, jwksUri: idp.url, jwksCooldownMs: 0 });
      for (let i = 0; i < 5; i++) await remote.verify(await sign(key, { aud: audience }));
      expect(idp.state.fetches).toBe(1);

      const rotated = await signingKey('k2');
      idp.state.keys = [key.jwk, rotated.jwk];
      await expect(remote.verify(await sign(rotated, { aud: audience }))).resolves.toMatchObject({
        clientId: 'agent-7',
      });
      expect(idp.state.fetches).toBe(2);
    } finally {
      await idp.close();
    }
  });

  it('discovers the JWKS from the issuer metadata, and reports keys it cannot fetch as unavailable', async () => {
    const idp = await jwksEndpoint([key.jwk]);
    try {
      const discovering = createTokenVerifier({ issuer: idp.base, audience, fetch, jwksCooldownMs: 0 });
      const token = await new SignJWT({ client_id: 'a', scope: 's' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
        .setIssuer(idp.base)
        .setAudience(audience)
        .setExpirationTime('5m')
        .sign(key.privateKey);
      idp.state.down = true;
      const failure = await discovering.verify(token).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InvalidTokenError);
      expect((failure as InvalidTokenError).unavailable).toBe(true);
      idp.state.down = false;
      await expect(discovering.verify(token)).resolves.toMatchObject({ clientId: 'a' });
    } finally {
      await idp.close();
    }
  });
});

describe('the token verifier while the identity provider is down', () => {
  const audience = 'https://crm.test/mcp';
  let key: SigningKey;
  beforeAll(async () => {
    key = await signingKey('k1');
  });
  const clock = () => {
    const state = { now: 1_000_000 };
    return { state, now: () => state.now };
  };

  it('keeps verifying with the cached keys past their refresh age, asking the provider once per cooldown', async () => {
    const idp = await jwksEndpoint([key.jwk]);
    const time = clock();
    try {
      const remote = createTokenVerifier({
        issuer: ISSUER,
        audience,
        jwksUri: idp.url,
        now: time.now,
        fetchTimeoutMs: 100,
      });
      await remote.verify(await sign(key, { aud: audience }));
      expect(idp.state.requests).toBe(1);
      for (const failure of ['5xx', 'garbage', 'hang'] as const) {
        idp.state.down = true;
        idp.state.failure = failure;
        time.state.now += 11 * 60_000; // the cache is over ten minutes old
        for (let i = 0; i < 20; i++) {
          await expect(remote.verify(await sign(key, { aud: audience }))).resolves.toMatchObject({
            clientId: 'agent-7',
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 200)); // the background refresh fails
      }
      // One background refresh per outage phase, not one per token.
      expect(idp.state.requests).toBe(4);
      idp.state.down = false;
      time.state.now += 31_000;
      await remote.verify(await sign(key, { aud: audience }));
      await new Promise((resolve) => setTimeout(resolve, 50)); // the background refresh lands
      expect(idp.state.fetches).toBe(2);
    } finally {
      await idp.close();
    }
  });

  it.each(['5xx', 'garbage', 'hang'] as const)(
    'refuses a well-formed token as keys unavailable (503), never as malformed, when the provider meets %s',
    async (failure) => {
      const idp = await jwksEndpoint([key.jwk]);
      try {
        idp.state.down = true;
        idp.state.failure = failure;
        const discovering = createTokenVerifier({ issuer: idp.base, audience, fetch, fetchTimeoutMs: 200 });
        const token = await sign(key, { aud: audience, iss: idp.base });
        const refusal = await discovering.verify(token).catch((error: unknown) => error);
        expect(refusal).toBeInstanceOf(InvalidTokenError);
        expect(refusal).toMatchObject({ reason: 'keys_unavailable', unavailable: true });
        const configured = createTokenVerifier({
          issuer: ISSUER,
          audience,
          jwksUri: idp.url,
          fetchTimeoutMs: 200,
        });
        await expect(configured.verify(await sign(key, { aud: audience }))).rejects.toMatchObject({
          reason: 'keys_unavailable',
        });
      } finally {
        await idp.close();
      }
    },
  );

  it('sends the provider nothing for garbage, and one request per cooldown for unknown kids or an outage', async () => {
    const idp = await jwksEndpoint([key.jwk]);
    const time = clock();
    try {
      const discovering = createTokenVerifier({ issuer: idp.base, audience, fetch, now: time.now });
      for (const garbage of ['garbage', 'a.b.c', 'eyJhbGciOiJFUzI1NiJ9.e30.', `${'x'.repeat(40)}.y.z`]) {
        await expect(discovering.verify(garbage)).rejects.toBeInstanceOf(InvalidTokenError);
      }
      expect(idp.state.requests).toBe(0);

      // Discovery during a metadata outage: one round of candidates, then silence for the cooldown.
      idp.state.down = true;
      for (let i = 0; i < 10; i++) {
        await expect(
          discovering.verify(await sign(key, { aud: audience, iss: idp.base })),
        ).rejects.toMatchObject({
          reason: 'keys_unavailable',
        });
      }
      expect(idp.state.requests).toBe(3);

      idp.state.down = false;
      time.state.now += 31_000;
      await discovering.verify(await sign(key, { aud: audience, iss: idp.base }));
      const afterRecovery = idp.state.requests; // metadata and JWKS
      for (let i = 0; i < 10; i++) {
        const stranger = await signingKey(`random-${i}`);
        await expect(
          discovering.verify(await sign(stranger, { aud: audience, iss: idp.base })),
        ).rejects.toMatchObject({ reason: 'unknown_key' });
      }
      expect(idp.state.requests).toBe(afterRecovery);
    } finally {
      await idp.close();
    }
  });
});

describe('the token verifier on the details of OAuth access tokens', () => {
  const audience = 'https://crm.test/mcp';
  let key: SigningKey;
  beforeAll(async () => {
    key = await signingKey('k1');
  });
  const verifier = (options: Partial<Parameters<typeof createTokenVerifier>[0]> = {}) =>
    createTokenVerifier({ issuer: ISSUER, audience, keys: { keys: [key.jwk] }, ...options });

  it('requires typ at+jwt (RFC 9068) unless told otherwise', async () => {
    for (const typ of ['JWT', undefined, 'id+jwt']) {
      const token = await sign(key, { aud: audience }, { typ });
      const refusal = await verifier()
        .verify(token)
        .catch((error: unknown) => error);
      expect(refusal).toMatchObject({ reason: 'wrong_type' });
      expect((refusal as Error).message).toMatch(/at\+jwt/);
      await expect(verifier({ requireAccessTokenType: false }).verify(token)).resolves.toMatchObject({
        clientId: 'agent-7',
      });
    }
    await expect(
      verifier().verify(await sign(key, { aud: audience }, { typ: 'application/AT+JWT' })),
    ).resolves.toMatchObject({ clientId: 'agent-7' });
  });

  it('refuses a token valid for longer than the longest lifetime accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    const year9999 = await sign(key, { aud: audience, exp: 253402300799 });
    await expect(verifier().verify(year9999)).rejects.toMatchObject({ reason: 'lifetime_too_long' });
    const twoDays = await new SignJWT({ client_id: 'a' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setIssuedAt(now - 2 * 86_400)
      .setExpirationTime(now + 600)
      .sign(key.privateKey);
    await expect(verifier().verify(twoDays)).rejects.toMatchObject({ reason: 'lifetime_too_long' });
    await expect(verifier({ maxTokenLifetimeSeconds: 3 * 86_400 }).verify(twoDays)).resolves.toMatchObject({
      clientId: 'a',
    });
  });

  it('says a crit header is unsupported, not a wrong algorithm', async () => {
    const token = await new SignJWT({ client_id: 'a' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt', crit: ['x-ext'], 'x-ext': 1 })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setExpirationTime('5m')
      .sign(key.privateKey, { crit: { 'x-ext': true } });
    await expect(verifier().verify(token)).rejects.toMatchObject({ reason: 'unsupported_header' });
  });

  it('names the claim that is missing: exp, or a client or subject', async () => {
    const noExp = await new SignJWT({ client_id: 'a' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .sign(key.privateKey);
    await expect(verifier().verify(noExp)).rejects.toThrow(/required claim: exp/);
    const nobody = await sign(key, { aud: audience, client_id: undefined });
    const refusal = await verifier()
      .verify(nobody)
      .catch((error: unknown) => error);
    expect(refusal).toMatchObject({ reason: 'missing_claim' });
    expect((refusal as Error).message).toMatch(/neither a client \(client_id, azp\) nor a subject \(sub\)/);
  });

  it('reads the client and the subject from the claims it is told to', async () => {
    const token = await sign(key, {
      aud: audience,
      client_id: undefined,
      appid: 'app-1',
      oid: 'user-9',
      sub: 's',
    });
    await expect(
      verifier({ clientClaims: ['appid'], subjectClaims: ['oid'] }).verify(token),
    ).resolves.toMatchObject({ clientId: 'app-1', subject: 'user-9' });
    await expect(verifier().verify(token)).resolves.toMatchObject({ clientId: 's', subject: 's' });
  });
});

describe('a server with token auth over HTTP', () => {
  const logs = captureLogs();
  const server = createServer({
    name: 'authed',
    version: '1.0.0',
    tools: [probeTool, makeTool],
    store: { memory: true },
    grantedScopes: ['probe:read', 'things:create'],
    log: { destination: logs.stream },
  });
  let key: SigningKey;
  let listener: Serving & { url: URL };
  let resource: string;
  beforeAll(async () => {
    key = await signingKey('k1');
    listener = await server.start({
      http: { auth: { issuer: ISSUER, keys: { keys: [key.jwk] } } },
      process: false,
    });
    resource = listener.url.href;
  });
  afterAll(() => listener.close());

  const rpc = (method: string, params: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const post = (body: string, token?: string) =>
    fetch(listener.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body,
    });
  const listTools = async (token: string) => {
    const text = await (await post(rpc('tools/list', {}), token)).text();
    const data = JSON.parse(text.slice(text.indexOf('{'))) as { result: { tools: { name: string }[] } };
    return data.result.tools.map((tool) => tool.name);
  };

  it('publishes Protected Resource Metadata at both well-known locations', async () => {
    for (const url of [
      protectedResourceMetadataUrl(resource),
      new URL('/.well-known/oauth-protected-resource', resource),
    ]) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource,
        authorization_servers: [ISSUER],
        scopes_supported: ['probe:read', 'things:create'],
        bearer_methods_supported: ['header'],
      });
    }
  });

  it('answers 401 with a challenge pointing at the metadata when no token is sent', async () => {
    const response = await post(rpc('tools/list', {}));
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toBe(`Bearer resource_metadata="${protectedResourceMetadataUrl(resource)}"`);
  });

  it('answers 401 invalid_token to a token for another audience, and a non-bearer header', async () => {
    const wrong = await sign(key, { aud: 'http://127.0.0.1:1/mcp' });
    const response = await post(rpc('tools/list', {}), wrong);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const basic = await fetch(listener.url, {
      method: 'POST',
      headers: { authorization: 'Basic dXNlcjpwYXNz', 'content-type': 'application/json' },
      body: rpc('tools/list', {}),
    });
    expect(basic.status).toBe(401);
  });

  it("lists only the tools the token's scopes allow", async () => {
    expect(await listTools(await sign(key, { aud: resource, scope: 'probe:read' }))).toEqual(['probe']);
    expect(
      (await listTools(await sign(key, { aud: resource, scope: 'probe:read things:create' }))).sort(),
    ).toEqual(['make', 'probe']);
  });

  it('never grants more than the server holds, whatever the token says', async () => {
    const greedy = await sign(key, { aud: resource, scope: 'probe:read admin:all' });
    expect(await listTools(greedy)).toEqual(['probe']);
  });

  it('answers 403 insufficient_scope naming every required scope, and records the refusal', async () => {
    const token = await sign(key, { aud: resource, scope: 'probe:read' });
    const before = logs.calls().length;
    const response = await post(
      rpc('tools/call', { name: 'make', arguments: { name: 'x', idempotency_key: 'k-1' } }),
      token,
    );
    expect(response.status).toBe(403);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="things:create probe:read"');
    expect(challenge).toContain(`resource_metadata="${protectedResourceMetadataUrl(resource)}"`);
    const record = logs.calls().slice(before)[0];
    expect(record).toMatchObject({
      tool: 'make',
      principal: 'agent-7',
      outcome: 'forbidden',
      scope: 'denied',
    });
  });

  it('lets a call with the right scopes through and records the client as principal', async () => {
    const token = await sign(key, { aud: resource, scope: 'probe:read' });
    const response = await post(rpc('tools/call', { name: 'probe', arguments: { mode: 'ok' } }), token);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"structuredContent":{"mode":"ok"');
    expect(logs.calls().at(-1)).toMatchObject({ tool: 'probe', principal: 'agent-7', outcome: 'ok' });
  });
});
