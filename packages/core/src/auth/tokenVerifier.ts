import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  type ProtectedHeaderParameters,
} from 'jose';
import { cacheVerifiedTokens } from './verifiedTokenCache.ts';

/** Asymmetric algorithms only: a resource server holds public keys, never a shared secret. */
export const DEFAULT_ALGORITHMS: readonly string[] = ['ES256', 'RS256'];
const ALLOWED_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** The longest a token may still be valid for, from now (and from `iat` when present). */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;
export const DEFAULT_CLIENT_CLAIMS: readonly string[] = ['client_id', 'azp'];
export const DEFAULT_SUBJECT_CLAIMS: readonly string[] = ['sub'];
const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
const DEFAULT_JWKS_MAX_AGE_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 5_000;

export interface TokenVerifierOptions {
  /** The `iss` every token must carry, e.g. https://login.example.com/ (compared exactly). */
  issuer: string;
  /** The `aud` a token must name: this server's canonical URL (RFC 8707). */
  audience: string;
  /**
   * Where the issuer publishes its keys. When neither this nor `keys` is given, it is discovered
   * from the issuer's RFC 8414 or OpenID metadata. See `jwksCooldownMs` and `jwksMaxAgeMs` for
   * when the keys are fetched again.
   */
  jwksUri?: string | URL;
  /**
   * The least time between two requests to the issuer (JWKS or metadata), whatever they answer:
   * a flood of tokens with made-up `kid`s, or of garbage during an outage, cannot become a flood
   * of requests to the issuer. Default 30 s.
   */
  jwksCooldownMs?: number;
  /**
   * How old the cached keys may grow before they are fetched again, in the background: the cached
   * keys keep verifying meanwhile, and for as long as the issuer fails to answer. Default 10 min.
   */
  jwksMaxAgeMs?: number;
  /** How long one request to the issuer may take before it counts as failed. Default 5 s. */
  fetchTimeoutMs?: number;
  /** Verification keys configured directly, instead of a JWKS URL. */
  keys?: JSONWebKeySet;
  /** Accepted signing algorithms. Default ES256 and RS256. `none` and HS* are refused at start. */
  algorithms?: readonly string[];
  /** Leeway for `exp` and `nbf`. Default 30 s. */
  clockToleranceSeconds?: number;
  /**
   * Refuse tokens whose `typ` header is not `at+jwt` (RFC 9068), so an ID token or another JWT the
   * issuer signs cannot pass as an access token. Default true; set false for an issuer that does
   * not type its access tokens.
   */
  requireAccessTokenType?: boolean;
  /** The longest remaining (and, with `iat`, total) lifetime accepted. Default 24 h. */
  maxTokenLifetimeSeconds?: number;
  /** Claims naming the OAuth client, first present wins. Default `client_id`, then `azp`. */
  clientClaims?: readonly string[];
  /** Claims naming the user (or service) the token acts for, first present wins. Default `sub`. */
  subjectClaims?: readonly string[];
  /**
   * How long a verified token is remembered, so that the same token sent again is not verified
   * again: until its `exp`, for at most this long. A token verified once is then accepted for up
   * to this long even if the issuer stops publishing its signing key (a revoked key, a rotated
   * JWKS). Refusals are never remembered. Default 30 s; 0 verifies every request in full.
   */
  tokenCacheMaxAgeMs?: number;
  /** The most verified tokens remembered at once; the least recently used goes first. Default 1,000. */
  tokenCacheMaxEntries?: number;
  /** For tests: the fetch used for metadata and JWKS. */
  fetch?: typeof fetch;
  /** For tests: the clock (ms) the cooldown, the key cache's age and the token cache are measured on. */
  now?: () => number;
}

export interface VerifiedToken {
  /** The OAuth client the token was issued to (see `clientClaims`), else its subject. */
  clientId: string;
  /** Who the token acts for (see `subjectClaims`); undefined when the token names no subject. */
  subject: string | undefined;
  scopes: string[];
  /** Epoch seconds. */
  expiresAt: number;
}

/** Why a token was refused: a client problem (401), or the issuer's keys cannot be had (503). */
export type TokenRejection =
  | 'malformed'
  | 'wrong_type'
  | 'unsupported_header'
  | 'expired'
  | 'not_yet_valid'
  | 'lifetime_too_long'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'bad_signature'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'missing_claim'
  | 'keys_unavailable';

const DESCRIPTIONS: Record<TokenRejection, string> = {
  malformed: 'The access token is not a well-formed JWT.',
  wrong_type: 'The token is not typed as an access token (typ must be "at+jwt", RFC 9068).',
  unsupported_header:
    'The access token names a critical header extension (crit) this server does not support.',
  expired: 'The access token has expired.',
  not_yet_valid: 'The access token is not valid yet (nbf is in the future).',
  lifetime_too_long: 'The access token is valid for longer than this server accepts.',
  wrong_issuer: 'The access token was issued by an issuer this server does not trust.',
  wrong_audience: 'The access token was issued for another resource (aud does not name this server).',
  bad_signature: 'The access token signature does not verify.',
  algorithm_not_allowed: 'The access token is signed with an algorithm this server does not accept.',
  unknown_key: "The access token is signed with a key the issuer's JWKS does not publish.",
  missing_claim: 'The access token lacks a required claim.',
  keys_unavailable: "The issuer's signing keys could not be fetched; try again shortly.",
};

export class InvalidTokenError extends Error {
  readonly reason: TokenRejection;
  constructor(reason: TokenRejection, options?: { cause?: unknown; detail?: string }) {
    super(
      options?.detail
        ? `${DESCRIPTIONS[reason].replace(/\.$/, '')}: ${options.detail}.`
        : DESCRIPTIONS[reason],
      options,
    );
    this.name = 'InvalidTokenError';
    this.reason = reason;
  }
  /** True when the fault is on this side (keys unreachable): answer 503, not 401. */
  get unavailable(): boolean {
    return this.reason === 'keys_unavailable';
  }
}

export interface TokenVerifier {
  readonly issuer: string;
  readonly audience: string;
  /**
   * Verifies signature, issuer, audience, expiry and not-before; throws `InvalidTokenError`. A
   * token that verified is remembered for a short while (see `tokenCacheMaxAgeMs`).
   */
  verify(token: string): Promise<VerifiedToken>;
}

/**
 * A bearer-token verifier for an OAuth 2.1 resource server, built on jose. Algorithms come from an
 * allow-list checked at start, so `alg: none` and HS/RS key confusion cannot occur: jose refuses
 * unsecured tokens outright, and an asymmetric public key never verifies an HMAC.
 *
 * What can be refused without the issuer's keys is refused first (not a JWT, wrong `typ`, `crit`,
 * an algorithm not accepted, another issuer), so such tokens never cause a request to the issuer.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  const refused = algorithms.filter((alg) => !ALLOWED_ALGORITHMS.has(alg));
  if (algorithms.length === 0 || refused.length > 0) {
    throw new Error(
      `Refusing token algorithms ${refused.join(', ') || '(none listed)'}: a resource server accepts only ` +
        `asymmetric signatures (${[...ALLOWED_ALGORITHMS].join(', ')}).`,
    );
  }
  const clockTolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const maxLifetime = options.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  const requireType = options.requireAccessTokenType ?? true;
  const clientClaims = options.clientClaims ?? DEFAULT_CLIENT_CLAIMS;
  const subjectClaims = options.subjectClaims ?? DEFAULT_SUBJECT_CLAIMS;
  const getKey = keySource(options);

  /** The checks that need no key: a token failing them never reaches the issuer. */
  const precheck = (token: string): void => {
    let header: ProtectedHeaderParameters;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch (error) {
      throw new InvalidTokenError('malformed', { cause: error });
    }
    if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
      throw new InvalidTokenError('algorithm_not_allowed', {
        detail: `"${String(header.alg).slice(0, 20)}"; accepted: ${algorithms.join(', ')}`,
      });
    }
    if (header.crit !== undefined) throw new InvalidTokenError('unsupported_header');
    if (requireType && !isAccessTokenType(header.typ)) {
      throw new InvalidTokenError('wrong_type', {
        detail: header.typ === undefined ? 'it has none' : `it is "${String(header.typ).slice(0, 40)}"`,
      });
    }
    if (claims.iss !== options.issuer) throw new InvalidTokenError('wrong_issuer');
  };

  /** Every check, in full: what the cache below remembers the result of. */
  const verifyInFull = async (token: string): Promise<VerifiedToken> => {
    precheck(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms,
        clockTolerance,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      const reason = rejectionOf(error);
      throw new InvalidTokenError(reason, {
        cause: error,
        ...(reason === 'missing_claim' ? { detail: 'exp' } : {}),
      });
    }
    const expiresAt = payload.exp as number;
    const now = Math.floor(Date.now() / 1000);
    const issuedAt = typeof payload.iat === 'number' ? payload.iat : undefined;
    if (expiresAt - now > maxLifetime || (issuedAt !== undefined && expiresAt - issuedAt > maxLifetime)) {
      throw new InvalidTokenError('lifetime_too_long', { detail: `the most accepted is ${maxLifetime} s` });
    }
    const subject = firstClaim(payload, subjectClaims);
    const clientId = firstClaim(payload, clientClaims) ?? subject;
    if (clientId === undefined) {
      throw new InvalidTokenError('missing_claim', {
        detail: `it names neither a client (${clientClaims.join(', ')}) nor a subject (${subjectClaims.join(', ')})`,
      });
    }
    return { clientId, subject, scopes: scopesOf(payload), expiresAt };
  };

  return {
    issuer: options.issuer,
    audience: options.audience,
    verify: cacheVerifiedTokens(verifyInFull, {
      ...(options.tokenCacheMaxAgeMs === undefined ? {} : { maxAgeMs: options.tokenCacheMaxAgeMs }),
      ...(options.tokenCacheMaxEntries === undefined ? {} : { maxEntries: options.tokenCacheMaxEntries }),
      ...(options.now === undefined ? {} : { now: options.now }),
    }),
  };
}

/** `at+jwt`, also written with its media-type prefix; compared case-insensitively (RFC 9068 §4). */
function isAccessTokenType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const type = typ.toLowerCase();
  return type === 'at+jwt' || type === 'application/at+jwt';
}

/** RFC 9068 `scope` (space-separated); `scp` as issued by some providers (array or string). */
function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
  return list.filter((scope): scope is string => typeof scope === 'string' && scope !== '');
}

function firstClaim(payload: JWTPayload, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = payload[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function keySource(options: TokenVerifierOptions): JWTVerifyGetKey {
  if (options.keys !== undefined) return createLocalJWKSet(options.keys);
  const fetchImpl = options.fetch ?? fetch;
  const jwksUri = options.jwksUri;
  const timeoutMs = options.fetchTimeoutMs ?? FETCH_TIMEOUT_MS;
  const cache = new IssuerKeys({
    locate:
      jwksUri !== undefined
        ? async () => new URL(jwksUri)
        : async () => new URL(await discoverJwksUri(options.issuer, fetchImpl, timeoutMs)),
    fetch: fetchImpl,
    timeoutMs,
    cooldownMs: options.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS,
    maxAgeMs: options.jwksMaxAgeMs ?? DEFAULT_JWKS_MAX_AGE_MS,
    now: options.now ?? Date.now,
  });
  return (header, token) => cache.getKey(header, token);
}

interface IssuerKeysOptions {
  /** Where the JWKS is: configured, or found in the issuer's metadata (remembered once found). */
  locate: () => Promise<URL>;
  fetch: typeof fetch;
  timeoutMs: number;
  cooldownMs: number;
  maxAgeMs: number;
  now: () => number;
}

/**
 * The issuer's keys, cached. Unlike jose's remote JWKS, whose cache expires after ten minutes and
 * then refuses every token while the issuer is down, keys once fetched are kept until a fetch
 * succeeds: an outage of the identity provider does not become an outage of this server. Every
 * request to the issuer (metadata or JWKS, answered or not) starts a cooldown in which no other is
 * made. Requests wait for a fetch only when there are no keys yet, or a token names a `kid` the
 * cache lacks (key rotation); old keys are refreshed in the background.
 */
class IssuerKeys {
  readonly #options: IssuerKeysOptions;
  #keys: { verify: JWTVerifyGetKey; fetchedAt: number } | undefined;
  #location: URL | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #lastError: unknown;
  #inFlight: Promise<void> | undefined;

  constructor(options: IssuerKeysOptions) {
    this.#options = options;
  }

  async getKey(header: Parameters<JWTVerifyGetKey>[0], token: Parameters<JWTVerifyGetKey>[1]) {
    if (this.#keys === undefined) {
      await this.#refresh();
      if (this.#keys === undefined) {
        throw new InvalidTokenError('keys_unavailable', { cause: this.#lastError });
      }
    } else if (this.#options.now() - this.#keys.fetchedAt > this.#options.maxAgeMs) {
      void this.#refresh();
    }
    try {
      return await this.#keys.verify(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      await this.#refresh();
      return await this.#keys.verify(header, token);
    }
  }

  /** One fetch at a time, none within the cooldown of the last; failures keep the keys there are. */
  #refresh(): Promise<void> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    if (this.#options.now() - this.#lastAttempt < this.#options.cooldownMs) return Promise.resolve();
    this.#lastAttempt = this.#options.now();
    this.#inFlight = this.#fetch()
      .then(
        (jwks) => {
          this.#keys = { verify: createLocalJWKSet(jwks), fetchedAt: this.#options.now() };
          this.#lastError = undefined;
        },
        (error: unknown) => {
          this.#lastError = error;
        },
      )
      .finally(() => {
        this.#inFlight = undefined;
      });
    return this.#inFlight;
  }

  async #fetch(): Promise<JSONWebKeySet> {
    this.#location ??= await this.#options.locate();
    const response = await this.#options.fetch(this.#location, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.#options.timeoutMs),
    });
    if (!response.ok) throw new Error(`the JWKS endpoint answered HTTP ${response.status}`);
    const jwks = (await response.json()) as { keys?: unknown };
    if (!Array.isArray(jwks?.keys)) throw new Error('the JWKS endpoint answered without a "keys" array');
    // Throws on a malformed set, which then counts as a failed fetch.
    createLocalJWKSet(jwks as JSONWebKeySet);
    return jwks as JSONWebKeySet;
  }
}

/** RFC 8414 metadata first, then OpenID Connect discovery, as the MCP authorization spec does. */
async function discoverJwksUri(issuer: string, fetchImpl: typeof fetch, timeoutMs: number): Promise<string> {
  const base = new URL(issuer);
  const path = base.pathname === '/' ? '' : base.pathname.replace(/\/$/, '');
  const candidates = [
    new URL(`/.well-known/oauth-authorization-server${path}`, base),
    new URL(`/.well-known/openid-configuration${path}`, base),
    new URL(`${path}/.well-known/openid-configuration`, base),
  ];
  for (const url of candidates) {
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetchImpl(url, { signal }).catch(() => undefined);
    if (!response?.ok) continue;
    const metadata = (await response.json().catch(() => undefined)) as { jwks_uri?: unknown } | undefined;
    if (typeof metadata?.jwks_uri === 'string') return metadata.jwks_uri;
  }
  throw new Error(`no authorization server metadata with a jwks_uri found for issuer ${issuer}`);
}

function rejectionOf(error: unknown): TokenRejection {
  if (error instanceof InvalidTokenError) return error.reason;
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'wrong_issuer';
    if (error.claim === 'aud') return 'wrong_audience';
    if (error.claim === 'nbf') return 'not_yet_valid';
    if (error.claim === 'exp') return 'missing_claim';
    return 'malformed';
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'unknown_key';
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return 'keys_unavailable';
  if (error instanceof errors.JOSEError) {
    // An unsecured token (alg "none") fails before any key is looked up.
    if (error.code === 'ERR_JOSE_NOT_SUPPORTED') return 'algorithm_not_allowed';
    return 'malformed';
  }
  // Anything else is this side's failure to obtain keys, never the client's: 503, not 401.
  return 'keys_unavailable';
}
