import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpAuthFromEnv } from './authSettings.ts';

describe('HTTP auth settings from the environment', () => {
  it('is off when nothing is set, and explicit when turned off', () => {
    expect(httpAuthFromEnv('CRM', {})).toEqual({});
    expect(httpAuthFromEnv('CRM', { CRM_AUTH: 'none' })).toEqual({ allowUnauthenticated: true });
  });

  it('reads the issuer, keys, canonical URL, algorithms and skew under the server prefix only', () => {
    const settings = httpAuthFromEnv('CRM', {
      CRM_AUTH_ISSUER: 'https://login.example.com/',
      CRM_AUTH_JWKS_URL: 'https://login.example.com/jwks',
      CRM_PUBLIC_URL: 'https://crm.gtm.example.com/mcp',
      CRM_AUTH_ALGORITHMS: 'RS256, PS256',
      CRM_AUTH_CLOCK_SKEW_SECONDS: '10',
      ENRICHMENT_AUTH_ISSUER: 'https://other.example.com/',
    });
    expect(settings.auth).toEqual({
      issuer: 'https://login.example.com/',
      jwksUri: 'https://login.example.com/jwks',
      resource: 'https://crm.gtm.example.com/mcp',
      algorithms: ['RS256', 'PS256'],
      clockToleranceSeconds: 10,
    });
  });

  it('reads the token type, the longest lifetime and the claims naming the principal', () => {
    const settings = httpAuthFromEnv('CRM', {
      CRM_AUTH_ISSUER: 'https://login.example.com/',
      CRM_AUTH_TOKEN_TYPE: 'any',
      CRM_AUTH_MAX_LIFETIME_SECONDS: '3600',
      CRM_AUTH_CLIENT_CLAIMS: 'appid, azp',
      CRM_AUTH_SUBJECT_CLAIMS: 'oid,sub',
    });
    expect(settings.auth).toEqual({
      issuer: 'https://login.example.com/',
      requireAccessTokenType: false,
      maxTokenLifetimeSeconds: 3600,
      clientClaims: ['appid', 'azp'],
      subjectClaims: ['oid', 'sub'],
    });
    expect(() =>
      httpAuthFromEnv('CRM', { CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_TOKEN_TYPE: 'jwt' }),
    ).toThrow(/CRM_AUTH_TOKEN_TYPE must be "at\+jwt" or "any"/);
    expect(() =>
      httpAuthFromEnv('CRM', { CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_MAX_LIFETIME_SECONDS: '1e99x' }),
    ).toThrow(/CRM_AUTH_MAX_LIFETIME_SECONDS/);
    expect(() => httpAuthFromEnv('CRM', { CRM_AUTH_SUBJECT_CLAIMS: 'oid' })).toThrow(
      /CRM_AUTH_ISSUER is required/,
    );
  });

  it('reads a public JWKS file and refuses one holding a private key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-jwks-'));
    const good = join(dir, 'jwks.json');
    writeFileSync(good, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k' }] }));
    expect(
      httpAuthFromEnv('CRM', { CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_JWKS_FILE: good }).auth?.keys,
    ).toEqual({
      keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k' }],
    });
    const leaked = join(dir, 'private.json');
    writeFileSync(
      leaked,
      JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'secret' }] }),
    );
    expect(() =>
      httpAuthFromEnv('CRM', { CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_JWKS_FILE: leaked }),
    ).toThrow(/private key/);
  });

  it.each([
    [{ CRM_AUTH_JWKS_URL: 'https://i/jwks' }, /CRM_AUTH_ISSUER is required.*CRM_AUTH_JWKS_URL/],
    [{ CRM_AUTH: 'jwt' }, /CRM_AUTH_ISSUER is required/],
    [{ CRM_AUTH: 'none', CRM_AUTH_ISSUER: 'https://i' }, /contradicts/],
    [{ CRM_AUTH: 'maybe' }, /"none" or "jwt"/],
    [{ CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_CLOCK_SKEW_SECONDS: '3600' }, /0 to 300/],
    [{ CRM_AUTH_ISSUER: 'https://i', CRM_PUBLIC_URL: 'crm.example.com' }, /CRM_PUBLIC_URL is not a URL/],
    [
      { CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_JWKS_URL: 'https://i/j', CRM_AUTH_JWKS_FILE: '/x' },
      /not both/,
    ],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => httpAuthFromEnv('CRM', env)).toThrow(message);
  });
});
