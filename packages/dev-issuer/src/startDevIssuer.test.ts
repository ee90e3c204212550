import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessTokenClaims,
  type DevClient,
  type DevIssuer,
  generateSigningKey,
  loadOrCreateDefaultClients,
  loadOrCreateSigningKey,
  SIGNING_KEY_FILE,
  startDevIssuer,
} from './index.ts';

const CRM = 'http://127.0.0.1:3101/mcp';
const WAREHOUSE = 'http://127.0.0.1:3102/mcp';
const SECRET = 'nightly-secret-0123456789';

const clients: DevClient[] = [
  {
    client_id: 'nightly',
    client_secret: SECRET,
    resources: {
      [CRM]: ['accounts:read', 'accounts:upsert', 'leads:upsert'],
      [WAREHOUSE]: ['accounts:read', 'usage:read'],
    },
  },
  { client_id: 'anything', client_secret: 'anything-secret-0123', resources: { '*': ['probe:read'] } },
];

let issuer: DevIssuer;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-issuer-'));
  issuer = await startDevIssuer({ dir, clients });
});
afterAll(async () => {
  await issuer.close();
  await rm(dir, { recursive: true, force: true });
});

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function requestToken(
  params: Record<string, string>,
  auth: string | null = basic('nightly', SECRET),
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(issuer.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(auth === null ? {} : { authorization: auth }),
    },
    body: new URLSearchParams(params),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('the development issuer', () => {
  it('publishes RFC 8414 metadata naming its endpoints', async () => {
    const response = await fetch(issuer.metadataUrl);
    expect(response.status).toBe(200);
    expect(issuer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await response.json()).toEqual({
      issuer: issuer.issuer,
      token_endpoint: `${issuer.issuer}/token`,
      jwks_uri: `${issuer.issuer}/.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      response_types_supported: [],
      scopes_supported: ['accounts:read', 'accounts:upsert', 'leads:upsert', 'probe:read', 'usage:read'],
    });
  });

  it('publishes only the public key in its JWKS', async () => {
    const jwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(key?.kid).toEqual(expect.any(String));
    expect(key).not.toHaveProperty('d');
  });

  it('issues a token with HTTP Basic client authentication that verifies against its JWKS', async () => {
    const { status, headers, body } = await requestToken({ grant_type: 'client_credentials', resource: CRM });
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'accounts:read accounts:upsert leads:upsert',
    });
    const token = String(body.access_token);
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), {
      issuer: issuer.issuer,
      audience: CRM,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: issuer.jwks.keys[0]?.kid, typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: issuer.issuer,
      sub: 'nightly',
      client_id: 'nightly',
      aud: CRM,
      scope: 'accounts:read accounts:upsert leads:upsert',
    });
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.exp).toBe(Number(payload.iat) + 3600);
    expect(payload.jti).toEqual(expect.any(String));
  });

  it('issues a token with client_id and client_secret in the body', async () => {
    const { status, body } = await requestToken(
      { grant_type: 'client_credentials', resource: WAREHOUSE, client_id: 'nightly', client_secret: SECRET },
      null,
    );
    expect(status).toBe(200);
    expect(body.scope).toBe('accounts:read usage:read');
  });

  it('grants the requested scopes only', async () => {
    const { body } = await requestToken({
      grant_type: 'client_credentials',
      resource: CRM,
      scope: 'leads:upsert accounts:read',
    });
    expect(body.scope).toBe('leads:upsert accounts:read');
    const { payload } = await jwtVerify(
      String(body.access_token),
      createRemoteJWKSet(new URL(issuer.jwksUri)),
    );
    expect(payload.scope).toBe('leads:upsert accounts:read');
  });

  it('refuses a scope the client may not have for that resource with invalid_scope', async () => {
    const { status, body } = await requestToken({
      grant_type: 'client_credentials',
      resource: WAREHOUSE,
      scope: 'usage:read accounts:upsert',
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_scope');
    expect(body.error_description).toContain('accounts:upsert');
  });

  it('answers a wrong secret with 401 invalid_client and a Basic challenge, without echoing the secret', async () => {
    const wrong = 'not-the-secret-at-all';
    const { status, headers, body } = await requestToken(
      { grant_type: 'client_credentials', resource: CRM },
      basic('nightly', wrong),
    );
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(JSON.stringify(body)).not.toContain(wrong);
    expect(JSON.stringify(body)).not.toContain(SECRET);
  });

  it('does not echo an unknown client id, which may be a secret typed in the wrong field', async () => {
    const { status, body } = await requestToken(
      { grant_type: 'client_credentials', resource: CRM },
      basic(SECRET, 'x'),
    );
    expect(status).toBe(401);
    expect(JSON.stringify(body)).not.toContain(SECRET);
  });

  it('answers a request without client credentials with 401 invalid_client', async () => {
    const { status, body } = await requestToken({ grant_type: 'client_credentials', resource: CRM }, null);
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('answers another grant type with unsupported_grant_type', async () => {
    const { status, body } = await requestToken({ grant_type: 'password', resource: CRM });
    expect(status).toBe(400);
    expect(body.error).toBe('unsupported_grant_type');
  });

  it('requires a resource (RFC 8707) and answers invalid_target without one', async () => {
    const { status, body } = await requestToken({ grant_type: 'client_credentials' });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_target');
  });

  it('answers invalid_target for a resource the client may not use', async () => {
    const { body } = await requestToken({
      grant_type: 'client_credentials',
      resource: 'http://127.0.0.1:3999/mcp',
    });
    expect(body.error).toBe('invalid_target');
  });

  it('lets a "*" client ask for any resource, with aud exactly as requested', async () => {
    const resource = 'https://crm.example.com/mcp?tenant=a';
    const { body } = await requestToken(
      { grant_type: 'client_credentials', resource },
      basic('anything', 'anything-secret-0123'),
    );
    const { payload } = await jwtVerify(
      String(body.access_token),
      createRemoteJWKSet(new URL(issuer.jwksUri)),
      {
        audience: resource,
      },
    );
    expect(payload.aud).toBe(resource);
  });

  it('refuses a body that is not form-encoded', async () => {
    const response = await fetch(issuer.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic('nightly', SECRET) },
      body: JSON.stringify({ grant_type: 'client_credentials', resource: CRM }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('mints arbitrary tokens that a verifier refuses when expired, early or for another audience', async () => {
    const jwks = createRemoteJWKSet(new URL(issuer.jwksUri));
    const now = Math.floor(Date.now() / 1000);
    const base = { issuer: issuer.issuer, clientId: 'dev', audience: CRM, scopes: ['accounts:read'] };
    const expired = await issuer.mint(accessTokenClaims({ ...base, ttlSeconds: 60, issuedAt: now - 3600 }));
    await expect(jwtVerify(expired, jwks, { audience: CRM })).rejects.toBeInstanceOf(errors.JWTExpired);
    const early = await issuer.mint({ ...accessTokenClaims({ ...base, ttlSeconds: 60 }), nbf: now + 600 });
    await expect(jwtVerify(early, jwks, { audience: CRM })).rejects.toBeInstanceOf(
      errors.JWTClaimValidationFailed,
    );
    const elsewhere = await issuer.mint(accessTokenClaims({ ...base, audience: WAREHOUSE, ttlSeconds: 60 }));
    await expect(jwtVerify(elsewhere, jwks, { audience: CRM })).rejects.toThrow(/aud/);
    const plainJwt = await issuer.mint(accessTokenClaims({ ...base, ttlSeconds: 60 }), { typ: 'JWT' });
    expect(decodeProtectedHeader(plainJwt).typ).toBe('JWT');
  });
});

describe('the signing key', () => {
  it('is created once with mode 0600 and reused across restarts', async () => {
    const keyDir = await mkdtemp(join(tmpdir(), 'tollgate-key-'));
    try {
      const first = await startDevIssuer({ dir: keyDir, clients });
      const { access_token } = (await (
        await fetch(first.tokenEndpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: basic('nightly', SECRET),
          },
          body: new URLSearchParams({ grant_type: 'client_credentials', resource: CRM }),
        })
      ).json()) as { access_token: string };
      const kid = first.jwks.keys[0]?.kid;
      await first.close();

      expect((await stat(join(keyDir, SIGNING_KEY_FILE))).mode & 0o777).toBe(0o600);
      const second = await startDevIssuer({ dir: keyDir, clients });
      expect(second.jwks.keys[0]?.kid).toBe(kid);
      // A token from before the restart still verifies against the restarted issuer's JWKS.
      await expect(
        jwtVerify(access_token, createRemoteJWKSet(new URL(second.jwksUri)), { audience: CRM }),
      ).resolves.toBeDefined();
      await second.close();
    } finally {
      await rm(keyDir, { recursive: true, force: true });
    }
  });

  it('agrees on one key when several processes create it at once', async () => {
    const keyDir = await mkdtemp(join(tmpdir(), 'tollgate-key-'));
    try {
      const keys = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateSigningKey(keyDir)));
      expect(new Set(keys.map((key) => key.kid)).size).toBe(1);
    } finally {
      await rm(keyDir, { recursive: true, force: true });
    }
  });

  it('refuses a key file other users can read, saying how to fix it', async () => {
    const keyDir = await mkdtemp(join(tmpdir(), 'tollgate-key-'));
    try {
      const key = await generateSigningKey();
      await writeFile(join(keyDir, SIGNING_KEY_FILE), JSON.stringify(key.privateJwk), { mode: 0o644 });
      await expect(loadOrCreateSigningKey(keyDir)).rejects.toThrow(/chmod 600/);
    } finally {
      await rm(keyDir, { recursive: true, force: true });
    }
  });

  it('can live in memory only', async () => {
    const inMemory = await startDevIssuer({ key: await generateSigningKey(), clients });
    expect(inMemory.jwks.keys[0]).not.toHaveProperty('d');
    await inMemory.close();
  });
});

describe('the default clients file', () => {
  it('is created with one client and a random secret, mode 0600, and read back afterwards', async () => {
    const clientsDir = await mkdtemp(join(tmpdir(), 'tollgate-clients-'));
    try {
      const first = await loadOrCreateDefaultClients(clientsDir, { clientId: 'nightly', scopes: ['a:read'] });
      expect(first.created).toBe(true);
      expect(first.clients).toEqual([
        { client_id: 'nightly', client_secret: expect.any(String), resources: { '*': ['a:read'] } },
      ]);
      expect((await stat(first.file)).mode & 0o777).toBe(0o600);
      expect((await stat(first.secretFile)).mode & 0o777).toBe(0o600);
      const again = await loadOrCreateDefaultClients(clientsDir, { clientId: 'nightly', scopes: ['b:read'] });
      expect(again.created).toBe(false);
      expect(again.clients).toEqual(first.clients);
    } finally {
      await rm(clientsDir, { recursive: true, force: true });
    }
  });
});
