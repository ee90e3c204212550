import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import type { HttpAuthOptions } from './resourceServer.ts';

export interface HttpAuthSettings {
  auth?: HttpAuthOptions;
  /** `<P>_AUTH=none`: serve without tokens even off loopback (a proxy in front authenticates). */
  allowUnauthenticated?: boolean;
}

/**
 * A server's HTTP auth from its own environment, under its prefix:
 *
 * - `<P>_AUTH_ISSUER` turns token auth on: the `iss` tokens must carry.
 * - `<P>_AUTH_JWKS_URL`, or `<P>_AUTH_JWKS_FILE` (a JWKS document), or neither: the keys are then
 *   discovered from the issuer's metadata.
 * - `<P>_PUBLIC_URL`: the canonical URL clients use (the token audience and the metadata's
 *   `resource`). Default: the address the server listens on.
 * - `<P>_AUTH_AUDIENCE`: only when the issuer cannot put the URL in `aud`.
 * - `<P>_AUTH_ALGORITHMS` (default ES256,RS256), `<P>_AUTH_CLOCK_SKEW_SECONDS` (default 30).
 * - `<P>_AUTH_TOKEN_TYPE`: `at+jwt` (default: RFC 9068 access tokens only) or `any`.
 * - `<P>_AUTH_MAX_LIFETIME_SECONDS`: the longest token lifetime accepted (default 86400).
 * - `<P>_AUTH_CLIENT_CLAIMS` (default client_id,azp) and `<P>_AUTH_SUBJECT_CLAIMS` (default sub):
 *   the claims that name the principal's client and subject, first present wins.
 * - `<P>_AUTH=none`: no token auth, stated on purpose.
 */
export function httpAuthFromEnv(prefix: string, env: NodeJS.ProcessEnv = process.env): HttpAuthSettings {
  const get = (name: string) => {
    const value = env[`${prefix}_${name}`]?.trim();
    return value === '' ? undefined : value;
  };
  const mode = get('AUTH');
  const issuer = get('AUTH_ISSUER');
  if (mode !== undefined && mode !== 'none' && mode !== 'jwt') {
    throw new Error(`${prefix}_AUTH must be "none" or "jwt", not "${mode}".`);
  }
  if (mode === 'none') {
    if (issuer !== undefined) {
      throw new Error(`${prefix}_AUTH=none contradicts ${prefix}_AUTH_ISSUER; unset one of them.`);
    }
    return { allowUnauthenticated: true };
  }
  if (issuer === undefined) {
    const stray = [
      'AUTH_JWKS_URL',
      'AUTH_JWKS_FILE',
      'AUTH_AUDIENCE',
      'AUTH_ALGORITHMS',
      'AUTH_TOKEN_TYPE',
      'AUTH_MAX_LIFETIME_SECONDS',
      'AUTH_CLIENT_CLAIMS',
      'AUTH_SUBJECT_CLAIMS',
    ].filter((name) => get(name));
    if (mode === 'jwt' || stray.length > 0) {
      const given = [...(mode === 'jwt' ? ['AUTH=jwt'] : []), ...stray].map((name) => `${prefix}_${name}`);
      throw new Error(
        `${prefix}_AUTH_ISSUER is required for token auth (${given.join(', ')} set without it).`,
      );
    }
    return {};
  }
  const jwksUrl = get('AUTH_JWKS_URL');
  const jwksFile = get('AUTH_JWKS_FILE');
  if (jwksUrl && jwksFile) {
    throw new Error(`Set ${prefix}_AUTH_JWKS_URL or ${prefix}_AUTH_JWKS_FILE, not both.`);
  }
  const skew = get('AUTH_CLOCK_SKEW_SECONDS');
  const skewSeconds = skew === undefined ? undefined : Number(skew);
  if (
    skewSeconds !== undefined &&
    !(Number.isInteger(skewSeconds) && skewSeconds >= 0 && skewSeconds <= 300)
  ) {
    throw new Error(`${prefix}_AUTH_CLOCK_SKEW_SECONDS must be a whole number of seconds from 0 to 300.`);
  }
  const list = (name: string) =>
    get(name)
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  const algorithms = list('AUTH_ALGORITHMS');
  const clientClaims = list('AUTH_CLIENT_CLAIMS');
  const subjectClaims = list('AUTH_SUBJECT_CLAIMS');
  const tokenType = get('AUTH_TOKEN_TYPE');
  if (tokenType !== undefined && tokenType !== 'at+jwt' && tokenType !== 'any') {
    throw new Error(`${prefix}_AUTH_TOKEN_TYPE must be "at+jwt" or "any", not "${tokenType}".`);
  }
  const lifetime = get('AUTH_MAX_LIFETIME_SECONDS');
  const lifetimeSeconds = lifetime === undefined ? undefined : Number(lifetime);
  if (lifetimeSeconds !== undefined && !(Number.isInteger(lifetimeSeconds) && lifetimeSeconds > 0)) {
    throw new Error(`${prefix}_AUTH_MAX_LIFETIME_SECONDS must be a whole number of seconds above 0.`);
  }
  const resource = get('PUBLIC_URL');
  if (resource !== undefined) assertUrl(resource, `${prefix}_PUBLIC_URL`);
  const audience = get('AUTH_AUDIENCE');
  return {
    auth: {
      issuer,
      ...(jwksUrl ? { jwksUri: assertUrl(jwksUrl, `${prefix}_AUTH_JWKS_URL`) } : {}),
      ...(jwksFile ? { keys: readJwks(jwksFile, `${prefix}_AUTH_JWKS_FILE`) } : {}),
      ...(resource ? { resource } : {}),
      ...(audience ? { audience } : {}),
      ...(algorithms ? { algorithms } : {}),
      ...(skewSeconds === undefined ? {} : { clockToleranceSeconds: skewSeconds }),
      ...(tokenType === 'any' ? { requireAccessTokenType: false } : {}),
      ...(lifetimeSeconds === undefined ? {} : { maxTokenLifetimeSeconds: lifetimeSeconds }),
      ...(clientClaims?.length ? { clientClaims } : {}),
      ...(subjectClaims?.length ? { subjectClaims } : {}),
    },
  };
}

function assertUrl(value: string, name: string): string {
  try {
    new URL(value);
    return value;
  } catch {
    throw new Error(`${name} is not a URL: ${value}`);
  }
}

function readJwks(path: string, name: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${name}: cannot read a JWKS from ${path} (${(error as Error).message}).`);
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new Error(`${name}: ${path} has no "keys" array; expected a JWKS document like {"keys":[…]}.`);
  }
  if (keys.some((key) => typeof key === 'object' && key !== null && 'd' in key)) {
    throw new Error(`${name}: ${path} contains a private key; give the server only the public JWKS.`);
  }
  return parsed as JSONWebKeySet;
}
