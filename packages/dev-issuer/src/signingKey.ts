import { join } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { createPrivateFile, DevIssuerError, readPrivateFile } from './privateFiles.ts';

export const SIGNING_KEY_FILE = 'signing-key.json';
const ALG = 'ES256';

/** The development issuer's ES256 key pair. */
export interface DevSigningKey {
  /** RFC 7638 thumbprint of the public key: stable for the key, so tokens and JWKS always agree. */
  readonly kid: string;
  /** Public half only: what the JWKS publishes. */
  readonly publicJwk: JWK;
  /** The private JWK as stored in `signing-key.json`. Never log it. */
  readonly privateJwk: JWK;
  readonly privateKey: CryptoKey;
}

/** A JWK Set holding only the public key, as served at `/.well-known/jwks.json`. */
export interface PublicJwks {
  keys: JWK[];
}

/** A fresh in-memory key pair (tests, throwaway issuers). */
export async function generateSigningKey(): Promise<DevSigningKey> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const members = p256Members(await exportJWK(privateKey));
  if (members === undefined) throw new DevIssuerError('jose generated a key that is not a private P-256 JWK');
  return fromPrivateJwk(members);
}

/**
 * The key in `<dir>/signing-key.json`, created (mode 0600) on first use. Every issuer and every
 * `tollgate token mint` with the same directory signs with the same key, so a server configured
 * once with the JWKS keeps accepting tokens across restarts.
 */
export async function loadOrCreateSigningKey(dir: string): Promise<DevSigningKey> {
  const file = join(dir, SIGNING_KEY_FILE);
  const existing = await readPrivateFile(file);
  if (existing !== undefined) return parseSigningKey(existing, file);
  const key = await generateSigningKey();
  if (await createPrivateFile(file, `${JSON.stringify(key.privateJwk, null, 2)}\n`)) return key;
  // Another process created it between our read and write: use that one, so both agree.
  return parseSigningKey((await readPrivateFile(file)) ?? '', file);
}

/** The public JWKS for `key`: no private member (`d`) ever leaves through it. */
export function publicJwks(key: DevSigningKey): PublicJwks {
  return { keys: [{ ...key.publicJwk }] };
}

/**
 * Signs `claims` exactly as given, with the RFC 9068 header `{ alg: ES256, kid, typ: at+jwt }`.
 * `header` may change `kid` or `typ`, for tests that need a token a verifier must refuse.
 */
export async function signWithKey(
  key: DevSigningKey,
  claims: JWTPayload,
  header: { kid?: string; typ?: string } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALG, kid: header.kid ?? key.kid, typ: header.typ ?? 'at+jwt' })
    .sign(key.privateKey);
}

async function parseSigningKey(text: string, file: string): Promise<DevSigningKey> {
  const fix = `Delete ${file} to have a new key created (tokens signed with the old key stop verifying).`;
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch (error) {
    throw new DevIssuerError(`${file} is not JSON. ${fix}`, { cause: error });
  }
  const members = p256Members(jwk);
  if (members === undefined)
    throw new DevIssuerError(`${file} is not a private ES256 (EC P-256) JWK. ${fix}`);
  try {
    return await fromPrivateJwk(members);
  } catch (error) {
    throw new DevIssuerError(`${file} holds a key that cannot be used: ${(error as Error).message}. ${fix}`, {
      cause: error,
    });
  }
}

/** The members of a private P-256 JWK, and only those (no stale `kid`, `alg` or `key_ops`). */
interface P256Members {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  d: string;
}

function p256Members(jwk: JWK | null): P256Members | undefined {
  if (typeof jwk !== 'object' || jwk === null) return undefined;
  const { kty, crv, x, y, d } = jwk;
  if (kty !== 'EC' || crv !== 'P-256' || !x || !y || !d) return undefined;
  return { kty: 'EC', crv: 'P-256', x, y, d };
}

async function fromPrivateJwk({ d, ...members }: P256Members): Promise<DevSigningKey> {
  const kid = await calculateJwkThumbprint(members);
  const publicJwk: JWK = { ...members, kid, alg: ALG, use: 'sig' };
  const privateJwk: JWK = { ...publicJwk, d };
  const privateKey = (await importJWK(privateJwk, ALG)) as CryptoKey;
  return { kid, publicJwk, privateJwk, privateKey };
}
