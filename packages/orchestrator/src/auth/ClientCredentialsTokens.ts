import {
  ClientCredentialsProvider,
  type FetchLike,
  fetchToken,
  OAuthError,
  type OAuthMetadata,
  type OAuthTokens,
} from '@modelcontextprotocol/client';
import { Redactor } from '@tollgate/core/telemetry';
import { isServerAuthError, type ServerAuth, ServerAuthError } from './ServerAuth.ts';

export interface ClientCredentialsOptions {
  /** The authorization server's token endpoint (`TOLLGATE_OAUTH_TOKEN_URL`). */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** The setting the secret came from, named in error messages instead of the secret. */
  secretSource: string;
  /** For tests: the fetch used for token requests. */
  fetch?: FetchLike;
  /** For tests: the clock, in epoch milliseconds. */
  now?: () => number;
}

/** What one token is for: one server (RFC 8707 resource) and the scopes asked for there. */
export interface Audience {
  /** The server's name, for messages. */
  server: string;
  /** The resource indicator, sent as is; the token's `aud`. */
  resource: string;
  scopes: readonly string[];
  /** The settings `resource` and `scopes` come from, named in error messages. */
  resourceSource: string;
  scopesSource: string;
}

interface HeldToken {
  token: string;
  /** When to fetch the next one (epoch ms); Infinity when the server gave no lifetime. */
  refreshAt: number;
  expiresAt: number;
}

/** Refresh this long before expiry: 10% of the lifetime, at least 30 s, at most half of it. */
function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(Math.max(30_000, lifetimeMs * 0.1), lifetimeMs / 2);
}

const RETRYABLE_OAUTH_ERRORS = new Set(['server_error', 'temporarily_unavailable', 'too_many_requests']);

/**
 * OAuth 2.1 client-credentials tokens for the nightly job, one per server audience, cached until
 * shortly before they expire, with one token request per audience at a time however many calls
 * wait for it.
 *
 * Built on the MCP SDK where it fits, and only there. The token request itself is the SDK's
 * `fetchToken` with its `ClientCredentialsProvider`: client authentication, the https-or-loopback
 * rule for token endpoints, RFC 8707 `resource`, and OAuth error parsing are the SDK's. The
 * transport hook is the SDK's minimal `AuthProvider` (`token()` before every request;
 * `onUnauthorized()` after a 401, then one retry; a second 401 throws). What is not the SDK's
 * is this cache: handing the `ClientCredentialsProvider` to the transport directly would run RFC
 * 9728/8414 discovery on every refresh (our token endpoint is configured, not discovered), offers
 * no way to set the resource (`TOLLGATE_<NAME>_RESOURCE`), never looks at `expires_in` (an expired
 * token is sent and refused before a new one is fetched), and lets each request refused at once
 * fetch its own token.
 */
export class ClientCredentialsTokens {
  readonly clientId: string;
  readonly tokenUrl: string;
  readonly #provider: ClientCredentialsProvider;
  readonly #metadata: OAuthMetadata;
  readonly #secretSource: string;
  readonly #redactor: Redactor;
  readonly #fetch: FetchLike | undefined;
  readonly #now: () => number;
  readonly #held = new Map<string, HeldToken>();
  readonly #pending = new Map<string, Promise<HeldToken>>();

  constructor(options: ClientCredentialsOptions) {
    this.clientId = options.clientId;
    this.tokenUrl = options.tokenUrl;
    // The endpoint is configured rather than discovered, so the credential is bound to it: it is
    // also the issuer stamp the SDK checks before sending the secret anywhere.
    this.#provider = new ClientCredentialsProvider({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      clientName: 'tollgate-orchestrator',
      expectedIssuer: options.tokenUrl,
    });
    // fetchToken reads only the issuer, the token endpoint and the auth methods from the metadata.
    // A client-credentials-only server has no authorization endpoint (RFC 8414 §2); the SDK's type
    // asks for one all the same, and it is never used.
    this.#metadata = {
      issuer: options.tokenUrl,
      token_endpoint: options.tokenUrl,
      response_types_supported: [],
      grant_types_supported: ['client_credentials'],
    } as Omit<OAuthMetadata, 'authorization_endpoint'> as OAuthMetadata;
    this.#secretSource = options.secretSource;
    const basic = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64');
    this.#redactor = new Redactor().with([options.clientSecret, basic]);
    this.#fetch = options.fetch;
    this.#now = options.now ?? Date.now;
  }

  /** A token for `audience`: the held one while fresh, else a new one (one request at a time). */
  async token(audience: Audience): Promise<string> {
    const key = keyOf(audience);
    const held = this.#held.get(key);
    if (held !== undefined && this.#now() < held.refreshAt) return held.token;
    try {
      return (await this.#fetchOnce(key, audience)).token;
    } catch (error) {
      // A token endpoint that hiccups must not stop a run whose token is still valid for a while.
      if (held !== undefined && this.#now() < held.expiresAt && isServerAuthError(error) && error.retryable) {
        return held.token;
      }
      throw error;
    }
  }

  /**
   * Drops the held token after a server refused it and fetches another. Several requests refused
   * together share the one fetch already under way.
   */
  async refresh(audience: Audience): Promise<void> {
    const key = keyOf(audience);
    const pending = this.#pending.get(key);
    if (pending !== undefined) {
      await pending;
      return;
    }
    this.#held.delete(key);
    await this.#fetchOnce(key, audience);
  }

  /** The transport hook for one server. */
  authFor(audience: Audience): ServerAuth {
    return {
      unauthorizedHint:
        `a fresh token for ${audience.resource} did not help: check that the server trusts the issuer ` +
        `behind ${this.tokenUrl} (its *_AUTH_ISSUER) and that ${audience.resourceSource} is its public URL ` +
        '(its *_PUBLIC_URL)',
      forbiddenHint:
        `the token carries the scopes from ${audience.scopesSource} ("${audience.scopes.join(' ')}"); ` +
        `add the missing one there and allow it for client ${this.clientId} at the authorization server`,
      token: () => this.token(audience),
      onUnauthorized: () => this.refresh(audience),
    };
  }

  #fetchOnce(key: string, audience: Audience): Promise<HeldToken> {
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = this.#request(audience)
        .then((held) => {
          this.#held.set(key, held);
          return held;
        })
        .finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #request(audience: Audience): Promise<HeldToken> {
    const startedAt = this.#now();
    const scope = audience.scopes.join(' ');
    let tokens: OAuthTokens;
    try {
      tokens = await fetchToken(this.#provider, this.tokenUrl, {
        metadata: this.#metadata,
        resource: audience.resource,
        ...(scope ? { scope } : {}),
        ...(this.#fetch ? { fetchFn: this.#fetch } : {}),
      });
    } catch (error) {
      throw this.#explain(error, audience);
    }
    if (tokens.token_type.toLowerCase() !== 'bearer') {
      throw new ServerAuthError(
        'auth_config',
        `token endpoint ${this.tokenUrl} issued a ${tokens.token_type} token; the job presents Bearer tokens only`,
      );
    }
    if (tokens.expires_in === undefined) {
      return {
        token: tokens.access_token,
        refreshAt: Number.POSITIVE_INFINITY,
        expiresAt: Number.POSITIVE_INFINITY,
      };
    }
    const lifetimeMs = tokens.expires_in * 1000;
    return {
      token: tokens.access_token,
      refreshAt: startedAt + lifetimeMs - refreshMarginMs(lifetimeMs),
      expiresAt: startedAt + lifetimeMs,
    };
  }

  /** A failed token request as a classified error that says what to check, without the secret. */
  #explain(error: unknown, audience: Audience): ServerAuthError {
    const endpoint = `token endpoint ${this.tokenUrl}`;
    const clean = (text: string) =>
      this.#redactor.string(text.length > 300 ? `${text.slice(0, 300)}…` : text);
    if (OAuthError.isInstance(error)) {
      const status = /^HTTP (\d{3}):/.exec(error.message)?.[1];
      const retryable =
        status === undefined
          ? RETRYABLE_OAUTH_ERRORS.has(error.code)
          : Number(status) >= 500 || Number(status) === 429;
      if (retryable) {
        return new ServerAuthError(
          'upstream_unavailable',
          clean(`${endpoint} failed for client ${this.clientId}: ${error.code} — ${error.message}`),
        );
      }
      const hint = this.#hint(error.code, audience);
      return new ServerAuthError(
        status === undefined ? 'unauthorized' : 'auth_config',
        clean(
          `${endpoint} refused client ${this.clientId}: ${error.code} — ${error.message}` +
            (status === undefined
              ? `; ${hint}`
              : '; check TOLLGATE_OAUTH_TOKEN_URL names the token endpoint'),
        ),
      );
    }
    const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
    if (error instanceof TypeError && cause !== undefined) {
      return new ServerAuthError(
        'upstream_unavailable',
        clean(`cannot reach ${endpoint}: ${cause.code ?? cause.message ?? error.message}`),
      );
    }
    return new ServerAuthError(
      'auth_config',
      clean(
        `${endpoint} gave no usable token for client ${this.clientId}: ${(error as Error).message}; ` +
          'check TOLLGATE_OAUTH_TOKEN_URL names an OAuth token endpoint',
      ),
    );
  }

  #hint(code: string, audience: Audience): string {
    switch (code) {
      case 'invalid_client':
      case 'unauthorized_client':
        return `check TOLLGATE_OAUTH_CLIENT_ID and ${this.#secretSource}`;
      case 'invalid_scope':
        return `check ${audience.scopesSource} (asked for "${audience.scopes.join(' ')}") and the scopes client ${this.clientId} may have`;
      case 'invalid_target':
        return `check ${audience.resourceSource} (asked for ${audience.resource}) and the resources client ${this.clientId} may use`;
      case 'unsupported_grant_type':
        return `allow the client_credentials grant for client ${this.clientId} at the authorization server`;
      default:
        return 'check the TOLLGATE_OAUTH_* settings';
    }
  }
}

function keyOf(audience: Audience): string {
  return `${audience.resource} ${audience.scopes.join(' ')}`;
}
