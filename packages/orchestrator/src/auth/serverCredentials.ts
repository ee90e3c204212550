import { assertSecureTokenEndpoint } from '@modelcontextprotocol/client';
import type { ServerName } from '../report/types.ts';
import { ClientCredentialsTokens } from './ClientCredentialsTokens.ts';
import { nightlyScopes } from './nightlyScopes.ts';
import { type ServerAuth, ServerAuthError } from './ServerAuth.ts';
import { readSecretFile, staticBearer } from './staticBearer.ts';

const OAUTH = 'TOLLGATE_OAUTH';

/** How the job reaches one server: its settings `TOLLGATE_<NAME>_*`, as `tollgate run` reads them. */
export interface ServerReachSettings {
  /** `TOLLGATE_<NAME>_URL`: the server's Streamable HTTP endpoint; a stdio child when unset. */
  url?: string | undefined;
  /** `TOLLGATE_<NAME>_TOKEN`: a fixed bearer token. */
  token?: string | undefined;
  /** `TOLLGATE_<NAME>_TOKEN_FILE`: the file holding a fixed bearer token, read again after a 401. */
  tokenFile?: string | undefined;
  /** `TOLLGATE_<NAME>_RESOURCE`: the token audience. Default: `url`. */
  resource?: string | undefined;
  /** `TOLLGATE_<NAME>_SCOPES`. Default: exactly the scopes of the tools the job calls there. */
  scopes?: readonly string[] | undefined;
}

/** The job's OAuth client: `TOLLGATE_OAUTH_*`. */
export interface OAuthClientSettings {
  tokenUrl?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** A file holding the secret, read and trimmed. */
  clientSecretFile?: string | undefined;
}

export interface ServerAuthSettings {
  servers: Partial<Record<ServerName, ServerReachSettings>>;
  oauth?: OAuthClientSettings | undefined;
}

/**
 * How the job authenticates to each server it reaches over HTTP. Secrets come only from settings
 * or files, never from flags (which `ps` shows to every user):
 *
 * - a server's `token` or `tokenFile`: a fixed bearer token for that server;
 * - otherwise, when the OAuth client has a token URL: client credentials, one token per server, for
 *   its `resource` (default: its URL) with its `scopes` (default: the scopes of the tools the job
 *   calls there);
 * - otherwise no credential.
 *
 * Settings are checked when the first HTTP server asks, and a mistake is an error naming the
 * setting (`TOLLGATE_CRM_TOKEN`, as `tollgate run` reads it).
 */
export function serverCredentials(
  settings: ServerAuthSettings,
): (server: ServerName, url: string) => ServerAuth | undefined {
  let tokens: ClientCredentialsTokens | null | undefined;
  return (server, url) => {
    const prefix = `TOLLGATE_${server.toUpperCase()}`;
    const own = settings.servers[server] ?? {};
    const scopesSetting = `${prefix}_SCOPES`;
    const scopes = own.scopes?.length ? [...own.scopes] : nightlyScopes(server);

    if (own.token !== undefined && own.tokenFile !== undefined) {
      throw new ServerAuthError('auth_config', `set ${prefix}_TOKEN or ${prefix}_TOKEN_FILE, not both`);
    }
    if (own.token !== undefined)
      return staticBearer(server, { setting: `${prefix}_TOKEN`, value: own.token }, scopes);
    if (own.tokenFile !== undefined) {
      return staticBearer(server, { setting: `${prefix}_TOKEN_FILE`, file: own.tokenFile }, scopes);
    }

    tokens ??= clientCredentials(settings.oauth ?? {}) ?? null;
    if (tokens === null) return undefined;
    const resourceSetting = own.resource === undefined ? `${prefix}_URL` : `${prefix}_RESOURCE`;
    const resource = own.resource ?? url;
    assertResource(resource, resourceSetting);
    return tokens.authFor({
      server,
      resource,
      scopes,
      resourceSource: resourceSetting,
      scopesSource: own.scopes?.length
        ? scopesSetting
        : `${scopesSetting} (unset: the scopes of the tools the job calls)`,
    });
  };
}

/** The client-credentials settings, or `undefined` when none of them is set. */
function clientCredentials(oauth: OAuthClientSettings): ClientCredentialsTokens | undefined {
  const { tokenUrl, clientId, clientSecret: secret, clientSecretFile: secretFile } = oauth;
  if (tokenUrl === undefined) {
    const stray = [
      [`${OAUTH}_CLIENT_ID`, clientId],
      [`${OAUTH}_CLIENT_SECRET`, secret],
      [`${OAUTH}_CLIENT_SECRET_FILE`, secretFile],
    ].filter(([, value]) => value !== undefined);
    if (stray.length === 0) return undefined;
    throw new ServerAuthError(
      'auth_config',
      `${stray.map(([name]) => name).join(', ')} set without ${OAUTH}_TOKEN_URL: set it to the authorization ` +
        "server's token endpoint (tollgate token serve prints one for development)",
    );
  }
  try {
    assertSecureTokenEndpoint(tokenUrl);
  } catch {
    throw new ServerAuthError(
      'auth_config',
      `${OAUTH}_TOKEN_URL must be an https URL (http only on loopback), not ${tokenUrl}`,
    );
  }
  if (clientId === undefined) {
    throw new ServerAuthError(
      'auth_config',
      `${OAUTH}_TOKEN_URL is set but ${OAUTH}_CLIENT_ID is not: set it to the client id registered at the authorization server`,
    );
  }
  if (secret !== undefined && secretFile !== undefined) {
    throw new ServerAuthError(
      'auth_config',
      `set ${OAUTH}_CLIENT_SECRET or ${OAUTH}_CLIENT_SECRET_FILE, not both`,
    );
  }
  if (secret === undefined && secretFile === undefined) {
    throw new ServerAuthError(
      'auth_config',
      `client ${clientId} has no secret: set ${OAUTH}_CLIENT_SECRET_FILE to a file holding it ` +
        `(or ${OAUTH}_CLIENT_SECRET)`,
    );
  }
  const secretSource = secretFile === undefined ? `${OAUTH}_CLIENT_SECRET` : `${OAUTH}_CLIENT_SECRET_FILE`;
  return new ClientCredentialsTokens({
    tokenUrl,
    clientId,
    clientSecret: secret ?? readSecretFile(secretFile ?? '', secretSource),
    secretSource,
  });
}

/** An RFC 8707 resource indicator: an absolute URL without a fragment. */
function assertResource(resource: string, name: string): void {
  let valid = !resource.includes('#');
  try {
    new URL(resource);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new ServerAuthError(
      'auth_config',
      `${name} must be an absolute URL without a #fragment to serve as the token audience, not ${resource}`,
    );
  }
}
