import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { authenticateClient, type DevClient, grantScopes, resourceProblem } from './clients.ts';

/** The claims of an RFC 9068 access token, as the development issuer mints them. */
export interface AccessTokenInput {
  /** The issuer URL, without a trailing slash. */
  issuer: string;
  clientId: string;
  /** Default: the client id (a client-credentials token acts for the client itself). */
  subject?: string;
  /** The resource URL, exactly as requested (RFC 8707); becomes `aud`. */
  audience: string;
  scopes: readonly string[];
  ttlSeconds: number;
  /** Epoch seconds. Default: now. */
  issuedAt?: number;
}

/** `iss`, `sub`, `client_id`, `aud`, `scope`, `iat`, `nbf` (= iat), `exp` and a random `jti`. */
export function accessTokenClaims(input: AccessTokenInput): JWTPayload {
  const iat = input.issuedAt ?? Math.floor(Date.now() / 1000);
  return {
    iss: input.issuer,
    sub: input.subject ?? input.clientId,
    client_id: input.clientId,
    aud: input.audience,
    scope: input.scopes.join(' '),
    iat,
    nbf: iat,
    exp: iat + input.ttlSeconds,
    jti: randomUUID(),
  };
}

export interface TokenRequest {
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface TokenResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** The authenticated client, for the issuer's log (not sent). */
  clientId?: string;
}

export interface TokenEndpointSettings {
  issuer: string;
  clients: readonly DevClient[];
  ttlSeconds: number;
  sign(claims: JWTPayload): Promise<string>;
}

type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unsupported_grant_type'
  | 'invalid_target'
  | 'invalid_scope';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * Answers one `POST /token`: the client-credentials grant (RFC 6749 §4.4) with a required RFC 8707
 * `resource`, client authentication by HTTP Basic or `client_id`/`client_secret` in the body, and
 * errors as RFC 6749 §5.2 JSON. The client is authenticated before the grant is looked at, so a
 * caller without credentials learns nothing about resources or scopes.
 */
export async function answerTokenRequest(
  request: TokenRequest,
  settings: TokenEndpointSettings,
): Promise<TokenResponse> {
  if (mediaType(request.contentType) !== 'application/x-www-form-urlencoded') {
    return failure('invalid_request', 'send the parameters as application/x-www-form-urlencoded');
  }
  const params = new URLSearchParams(request.body);
  for (const name of new Set(params.keys())) {
    if (params.getAll(name).length > 1) {
      return name === 'resource'
        ? failure('invalid_target', 'ask for one resource per token request')
        : failure('invalid_request', `parameter ${name} appears more than once`);
    }
  }

  const credentials = clientCredentials(request.authorization, params);
  if ('error' in credentials) return credentials.error;
  const client = authenticate(settings.clients, credentials);
  if (client === undefined) {
    // An unknown id is not echoed: it may be a secret pasted into the wrong field.
    const known = settings.clients.some((candidate) => candidate.client_id === credentials.id);
    return failure(
      'invalid_client',
      known
        ? `client authentication failed for client ${JSON.stringify(credentials.id)}`
        : 'client authentication failed: unknown client_id or wrong secret',
    );
  }

  const grantType = params.get('grant_type');
  if (!grantType) return failure('invalid_request', 'grant_type is required; use client_credentials');
  if (grantType !== 'client_credentials') {
    return failure('unsupported_grant_type', `only client_credentials is supported, not ${grantType}`);
  }

  const resource = params.get('resource');
  if (!resource) {
    return failure(
      'invalid_target',
      'the resource parameter is required (RFC 8707): the URL of the server the token is for',
    );
  }
  const problem = resourceProblem(resource);
  if (problem !== undefined) return failure('invalid_target', `resource ${resource} is unusable: ${problem}`);

  const grant = grantScopes(client, resource, params.get('scope') ?? undefined);
  if (!grant.ok) return failure(grant.error, grant.description);

  const token = await settings.sign(
    accessTokenClaims({
      issuer: settings.issuer,
      clientId: client.client_id,
      audience: resource,
      scopes: grant.scopes,
      ttlSeconds: settings.ttlSeconds,
    }),
  );
  return {
    status: 200,
    clientId: client.client_id,
    headers: NO_STORE,
    body: {
      access_token: token,
      token_type: 'Bearer',
      expires_in: settings.ttlSeconds,
      scope: grant.scopes.join(' '),
    },
  };
}

interface ClientCredentials {
  id: string;
  secret: string;
  /** Other readings of the same credentials (Basic, form-decoded). */
  alternatives: Array<[string, string]>;
}

/** The client's id and secret from exactly one of HTTP Basic or the request body (RFC 6749 §2.3.1). */
function clientCredentials(
  authorization: string | undefined,
  params: URLSearchParams,
): ClientCredentials | { error: TokenResponse } {
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (authorization !== undefined) {
    if (bodySecret !== null) {
      return {
        error: failure('invalid_request', 'use one client authentication method, not Basic and the body'),
      };
    }
    const basic = parseBasic(authorization);
    if (basic === undefined) {
      return {
        error: failure('invalid_client', 'the Authorization header must be HTTP Basic client credentials'),
      };
    }
    if (bodyId !== null && bodyId !== basic.id) {
      return {
        error: failure('invalid_request', 'client_id in the body differs from the Basic credentials'),
      };
    }
    return basic;
  }
  if (bodyId === null || bodySecret === null) {
    return {
      error: failure(
        'invalid_client',
        'client authentication is required: HTTP Basic, or client_id and client_secret in the body',
      ),
    };
  }
  return { id: bodyId, secret: bodySecret, alternatives: [] };
}

/**
 * RFC 6749 says Basic credentials are form-urlencoded first, but many clients (curl -u, the MCP
 * SDK) send them raw; the raw pair is tried first, then the decoded one.
 */
function parseBasic(header: string): ClientCredentials | undefined {
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  const id = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  const formId = formDecode(id);
  const formSecret = formDecode(secret);
  const alternatives: Array<[string, string]> =
    formId !== undefined && formSecret !== undefined && (formId !== id || formSecret !== secret)
      ? [[formId, formSecret]]
      : [];
  return { id, secret, alternatives };
}

/** Every candidate pair is compared (each in constant time), so timing does not tell which matched. */
function authenticate(clients: readonly DevClient[], credentials: ClientCredentials): DevClient | undefined {
  const candidates: Array<[string, string]> = [
    [credentials.id, credentials.secret],
    ...credentials.alternatives,
  ];
  const matches = candidates.map(([id, secret]) => authenticateClient(clients, id, secret));
  return matches.find((client) => client !== undefined);
}

function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function failure(error: OAuthErrorCode, description: string): TokenResponse {
  const headers: Record<string, string> =
    error === 'invalid_client'
      ? { ...NO_STORE, 'www-authenticate': 'Basic realm="tollgate-dev-issuer", charset="UTF-8"' }
      : NO_STORE;
  return {
    status: error === 'invalid_client' ? 401 : 400,
    headers,
    body: { error, error_description: description },
  };
}
