import { createHash } from 'node:crypto';
import type { VerifiedToken } from './tokenVerifier.ts';

export const DEFAULT_TOKEN_CACHE_MAX_AGE_MS = 30_000;
export const DEFAULT_TOKEN_CACHE_MAX_ENTRIES = 1_000;

export interface VerifiedTokenCacheOptions {
  /** The longest an entry is used; 0 turns the cache off. Default 30 s. */
  maxAgeMs?: number;
  /** The most entries kept; the least recently used goes first. Default 1,000. */
  maxEntries?: number;
  /** The clock (epoch ms) entries' age and the tokens' `exp` are compared with. */
  now?: () => number;
}

interface Entry {
  readonly verified: VerifiedToken;
  /** Epoch ms: the earliest of the token's `exp` and its verification plus the maximum age. */
  readonly until: number;
}

/**
 * Remembers tokens that verified, so that a client sending the same token on every request (as
 * clients do until it expires) is verified once per `maxAgeMs`, not on every request: checking an
 * ES256 signature costs about 0.15 ms of CPU, which took a third of an HTTP server's throughput.
 *
 * - The key is the SHA-256 of the token, so the cache holds no bearer token, and no two tokens
 *   share an entry.
 * - An entry is used until the token's `exp` (without the clock leeway verification allows) or
 *   `maxAgeMs` after it was verified, whichever comes first; after that the token is verified
 *   again in full, and that decides. An expired token is never answered from the cache.
 * - A refusal is never cached: a token refused is verified again the next time it is sent (the
 *   refusal may be the issuer's keys being unavailable, which passes).
 * - At most `maxEntries` entries; the least recently used is dropped first.
 *
 * What it changes: a token verified once keeps being accepted for up to `maxAgeMs` even if the
 * issuer meanwhile stops publishing its key (a revoked signing key, a rotated JWKS). That is the
 * bound to choose `maxAgeMs` by; 0 verifies every request.
 */
export function cacheVerifiedTokens(
  verify: (token: string) => Promise<VerifiedToken>,
  options: VerifiedTokenCacheOptions = {},
): (token: string) => Promise<VerifiedToken> {
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_TOKEN_CACHE_MAX_AGE_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_TOKEN_CACHE_MAX_ENTRIES;
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) {
    throw new Error(`The verified-token cache's maximum age must be 0 (off) or more ms, not ${maxAgeMs}.`);
  }
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new Error(`The verified-token cache must hold at least one entry, not ${maxEntries}.`);
  }
  if (maxAgeMs === 0) return verify;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: the first key is the least recently used.
  const entries = new Map<string, Entry>();

  return async (token) => {
    const key = createHash('sha256').update(token).digest('base64url');
    const entry = entries.get(key);
    if (entry !== undefined) {
      entries.delete(key);
      if (now() < entry.until) {
        entries.set(key, entry);
        return copy(entry.verified);
      }
    }
    const verified = await verify(token);
    const until = Math.min(verified.expiresAt * 1000, now() + maxAgeMs);
    if (until > now()) {
      entries.delete(key);
      entries.set(key, { verified: copy(verified), until });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
      }
    }
    return verified;
  };
}

/** Each caller gets its own scopes array: nothing one request does to it reaches another. */
function copy(verified: VerifiedToken): VerifiedToken {
  return { ...verified, scopes: [...verified.scopes] };
}
