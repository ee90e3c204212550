import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpAuthSettings, httpAuthStart } from './httpAuth.ts';
import { parseSettings } from './setting.ts';

const auth = (env: Record<string, string>) =>
  httpAuthStart('CRM', parseSettings(httpAuthSettings('CRM'), env, 'CRM'));

describe('HTTP auth settings', () => {
  it('is off when nothing is set, and explicit, naming the setting, when turned off', () => {
    expect(auth({})).toEqual({});
    expect(auth({ CRM_AUTH: 'none' })).toEqual({
      allowUnauthenticated: true,
      unauthenticatedSetting: 'CRM_AUTH=none',
    });
  });

  it('reads the issuer, keys, canonical URL, algorithms and skew under the server prefix only', () => {
    const settings = auth({
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
    const settings = auth({
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
  });

  it('reads a public JWKS file and refuses one holding a private key, naming the setting and the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-jwks-'));
    const good = join(dir, 'jwks.json');
    writeFileSync(good, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k' }] }));
    expect(auth({ CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_JWKS_FILE: good }).auth?.keys).toEqual({
      keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k' }],
    });
    const leaked = join(dir, 'private.json');
    writeFileSync(
      leaked,
      JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'secret' }] }),
    );
    expect(() => auth({ CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_JWKS_FILE: leaked })).toThrow(
      new RegExp(`^CRM_AUTH_JWKS_FILE: JWKS ${leaked} is invalid:\\n  - keys: holds a private key`),
    );
    expect(() => auth({ CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_JWKS_FILE: join(dir, 'none.json') })).toThrow(
      /^CRM_AUTH_JWKS_FILE: Cannot read JWKS .*none\.json: ENOENT/,
    );
  });

  it.each([
    [{ CRM_AUTH_JWKS_URL: 'https://i/jwks' }, /CRM_AUTH_ISSUER is required.*CRM_AUTH_JWKS_URL/],
    [{ CRM_AUTH: 'jwt' }, /CRM_AUTH_ISSUER is required/],
    [{ CRM_AUTH_SUBJECT_CLAIMS: 'oid' }, /CRM_AUTH_ISSUER is required.*CRM_AUTH_SUBJECT_CLAIMS/],
    [{ CRM_AUTH: 'none', CRM_AUTH_ISSUER: 'https://i' }, /contradicts/],
    [{ CRM_AUTH: 'maybe' }, /^CRM_AUTH must be "none" or "jwt"/],
    [
      { CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_CLOCK_SKEW_SECONDS: '3600' },
      /^CRM_AUTH_CLOCK_SKEW_SECONDS .*0 to 300/,
    ],
    [
      { CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_TOKEN_TYPE: 'jwt' },
      /^CRM_AUTH_TOKEN_TYPE must be one of at\+jwt, any/,
    ],
    [
      { CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_MAX_LIFETIME_SECONDS: '1e99x' },
      /^CRM_AUTH_MAX_LIFETIME_SECONDS/,
    ],
    [
      { CRM_AUTH_ISSUER: 'https://i', CRM_PUBLIC_URL: 'crm.example.com' },
      /^CRM_PUBLIC_URL must be an absolute URL/,
    ],
    [
      { CRM_AUTH_ISSUER: 'https://i', CRM_AUTH_JWKS_URL: 'https://i/j', CRM_AUTH_JWKS_FILE: '/x' },
      /not both/,
    ],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => auth(env)).toThrow(message);
  });
});
