import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';

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

export interface TokenVerifierOptions {
  /** The `iss` every token must carry, e.g. https://login.example.com/ (compared exactly). */
  issuer: string;
  /** The `aud` a token must name: this server's canonical URL (RFC 8707). */
  audience: string;
  /**
   * Where the issuer publishes its keys. Fetched on first use, cached, and fetched again when a
   * token names a `kid` the cache does not hold (key rotation), at most every 30 s.
   * When neither this nor `keys` is given, it is discovered from the issuer's RFC 8414 or OpenID
   * metadata.
   */
  jwksUri?: string | URL;
  /**
   * The least time between two JWKS fetches, so a flood of tokens with made-up `kid`s cannot turn
   * into a flood of requests to the issuer. Default 30 s (jose's default).
   */
  jwksCooldownMs?: number;
  /** Verification keys configured directly, instead of a JWKS URL. */
  keys?: JSONWebKeySet;
  /** Accepted signing algorithms. Default ES256 and RS256. `none` and HS* are refused at start. */
  algorithms?: readonly string[];
  /** Leeway for `exp` and `nbf`. Default 30 s. */
  clockToleranceSeconds?: number;
  /** For tests: the fetch used for discovery. */
  fetch?: typeof fetch;
}

export interface VerifiedToken {
  /** The OAuth client the token was issued to: `client_id`, else `azp`, else `sub`. */
  clientId: string;
  subject: string | undefined;
  scopes: string[];
  /** Epoch seconds. */
  expiresAt: number;
}

/** Why a token was refused: a client problem (401), or the issuer's keys cannot be had (503). */
export type TokenRejection =
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'bad_signature'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'missing_claim'
  | 'keys_unavailable';

const DESCRIPTIONS: Record<TokenRejection, string> = {
  malformed: 'The access token is not a well-formed JWT.',
  expired: 'The access token has expired.',
  not_yet_valid: 'The access token is not valid yet (nbf is in the future).',
  wrong_issuer: 'The access token was issued by an issuer this server does not trust.',
  wrong_audience: 'The access token was issued for another resource (aud does not name this server).',
  bad_signature: 'The access token signature does not verify.',
  algorithm_not_allowed: 'The access token is signed with an algorithm this server does not accept.',
  unknown_key: "The access token is signed with a key the issuer's JWKS does not publish.",
  missing_claim: 'The access token lacks a required claim (exp).',
  keys_unavailable: "The issuer's signing keys could not be fetched; try again shortly.",
};

export class InvalidTokenError extends Error {
  readonly reason: TokenRejection;
  constructor(reason: TokenRejection, options?: { cause?: unknown }) {
    super(DESCRIPTIONS[reason], options);
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
  /** Verifies signature, issuer, audience, expiry and not-before; throws `InvalidTokenError`. */
  verify(token: string): Promise<VerifiedToken>;
}

/**
 * A bearer-token verifier for an OAuth 2.1 resource server, built on jose. Algorithms come from an
 * allow-list checked at start, so `alg: none` and HS/RS key confusion cannot occur: jose refuses
 * unsecured tokens outright, and an asymmetric public key never verifies an HMAC.
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
  const getKey = keySource(options);

  return {
    issuer: options.issuer,
    audience: options.audience,
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await getKey(), {
          issuer: options.issuer,
          audience: options.audience,
          algorithms,
          clockTolerance,
          requiredClaims: ['exp'],
        }));
      } catch (error) {
        throw new InvalidTokenError(rejectionOf(error), { cause: error });
      }
      const clientId = stringClaim(payload.client_id) ?? stringClaim(payload.azp) ?? payload.sub;
      if (clientId === undefined) throw new InvalidTokenError('missing_claim');
      return {
        clientId,
        subject: payload.sub,
        scopes: scopesOf(payload),
        expiresAt: payload.exp as number,
      };
    },
  };
}

/** RFC 9068 `scope` (space-separated); `scp` as issued by some providers (array or string). */
function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
  return list.filter((scope): scope is string => typeof scope === 'string' && scope !== '');
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function keySource(options: TokenVerifierOptions): () => Promise<JWTVerifyGetKey> {
  if (options.keys !== undefined) {
    const local = createLocalJWKSet(options.keys);
    return async () => local;
  }
  const remote = (uri: string | URL) =>
    createRemoteJWKSet(new URL(uri), {
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      timeoutDuration: 5_000,
    });
  if (options.jwksUri !== undefined) {
    const jwks = remote(options.jwksUri);
    return async () => jwks;
  }
  // Discovery is retried on the next request if it fails: an issuer that is down at start-up must
  // not leave the server refusing every token until restarted.
  let discovered: Promise<JWTVerifyGetKey> | undefined;
  return () => {
    discovered ??= discoverJwksUri(options.issuer, options.fetch ?? fetch)
      .then(remote)
      .catch((error: unknown) => {
        discovered = undefined;
        throw new InvalidTokenError('keys_unavailable', { cause: error });
      });
    return discovered;
  };
}

/** RFC 8414 metadata first, then OpenID Connect discovery, as the MCP authorization spec does. */
async function discoverJwksUri(issuer: string, fetchImpl: typeof fetch): Promise<string> {
  const base = new URL(issuer);
  const path = base.pathname === '/' ? '' : base.pathname.replace(/\/$/, '');
  const candidates = [
    new URL(`/.well-known/oauth-authorization-server${path}`, base),
    new URL(`/.well-known/openid-configuration${path}`, base),
    new URL(`${path}/.well-known/openid-configuration`, base),
  ];
  for (const url of candidates) {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
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
  // A network failure fetching the JWKS surfaces as a plain fetch error.
  return 'keys_unavailable';
}
