import type { TokenVerifierOptions } from './tokenVerifier.ts';

/**
 * How an HTTP server checks bearer tokens (MCP authorization spec; OAuth 2.1 resource server).
 * The audience every token must name is the server's canonical URL, `resource`.
 */
export interface HttpAuthOptions extends Omit<TokenVerifierOptions, 'audience'> {
  /**
   * The canonical URL clients use for this server, e.g. https://crm.gtm.example.com/mcp. It is the
   * `resource` in the metadata and the `aud` every token must carry. Default: the URL the server
   * listens on, which is only right when clients reach it directly.
   */
  resource?: string;
  /** `aud` to require when the issuer cannot put the resource URL there. Default: `resource`. */
  audience?: string;
  /** Shown to people in the metadata document. */
  resourceName?: string;
  /** A page describing how to get access, published in the metadata document. */
  documentationUrl?: string;
}

export const PRM_PATH = '/.well-known/oauth-protected-resource';

/**
 * Where the Protected Resource Metadata of a resource lives (RFC 9728 §3.1): the well-known
 * suffix goes between the host and the resource's path.
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return new URL(`${PRM_PATH}${path}`, url.origin).href;
}

/** The RFC 9728 metadata document: which authorization server issues tokens for this resource. */
export function protectedResourceMetadata(options: {
  resource: string;
  issuer: string;
  scopesSupported: readonly string[];
  resourceName?: string | undefined;
  documentationUrl?: string | undefined;
}): Record<string, unknown> {
  return {
    resource: options.resource,
    authorization_servers: [options.issuer],
    scopes_supported: [...options.scopesSupported],
    bearer_methods_supported: ['header'],
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
    ...(options.documentationUrl ? { resource_documentation: options.documentationUrl } : {}),
  };
}

/**
 * A `WWW-Authenticate: Bearer` challenge (RFC 6750 §3, RFC 9728 §5.1). With no token presented
 * there is no error code, as RFC 6750 asks; the metadata URL is always there so a client can find
 * the authorization server.
 */
export function bearerChallenge(options: {
  resourceMetadata: string;
  error?: 'invalid_token' | 'invalid_request' | 'insufficient_scope';
  description?: string;
  scope?: readonly string[];
}): string {
  const params: [string, string][] = [['resource_metadata', options.resourceMetadata]];
  if (options.error) params.push(['error', options.error]);
  if (options.description) params.push(['error_description', options.description]);
  if (options.scope && options.scope.length > 0) params.push(['scope', options.scope.join(' ')]);
  return `Bearer ${params.map(([key, value]) => `${key}="${quote(value)}"`).join(', ')}`;
}

function quote(value: string): string {
  return value.replace(/["\\]/g, (char) => `\\${char}`);
}

/** The token from an `Authorization: Bearer …` header; undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined | null {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  // null: a credential was sent, but not a well-formed bearer token.
  return match ? match[1] : null;
}
