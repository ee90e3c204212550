import { assertSecureTokenEndpoint } from '@modelcontextprotocol/client';
import type { ServerName } from '../report/types.ts';
import { ClientCredentialsTokens } from './ClientCredentialsTokens.ts';
import { nightlyScopes } from './nightlyScopes.ts';
import { type ServerAuth, ServerAuthError } from './ServerAuth.ts';
import { readSecretFile, staticBearer } from './staticBearer.ts';

const OAUTH = 'TOLLGATE_OAUTH';

/**
 * How the job authenticates to each server it reaches over HTTP, from the environment. Secrets come
 * only from variables or files, never from flags (which `ps` shows to every user):
 *
 * - `TOLLGATE_<NAME>_TOKEN` or `TOLLGATE_<NAME>_TOKEN_FILE`: a fixed bearer token for that server.
 * - Otherwise, when `TOLLGATE_OAUTH_TOKEN_URL` is set: OAuth client credentials with
 *   `TOLLGATE_OAUTH_CLIENT_ID` and `TOLLGATE_OAUTH_CLIENT_SECRET` or `TOLLGATE_OAUTH_CLIENT_SECRET_FILE`;
 *   one token per server, for `TOLLGATE_<NAME>_RESOURCE` (default: the server's URL) with
 *   `TOLLGATE_<NAME>_SCOPES` (default: exactly the scopes of the tools the job calls there).
 * - Otherwise no credential.
 *
 * Settings are checked when the first HTTP server asks, and a mistake is an error naming it.
 */
export function serverAuthFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): (server: ServerName, url: string) => ServerAuth | undefined {
  let tokens: ClientCredentialsTokens | null | undefined;
  return (server, url) => {
    const prefix = `TOLLGATE_${server.toUpperCase()}`;
    const get = (name: string) => setting(env, `${prefix}_${name}`);
    const scopesSetting = `${prefix}_SCOPES`;
    const scopes = parseScopeList(get('SCOPES')) ?? nightlyScopes(server);

    const token = get('TOKEN');
    const tokenFile = get('TOKEN_FILE');
    if (token !== undefined && tokenFile !== undefined) {
      throw new ServerAuthError('auth_config', `set ${prefix}_TOKEN or ${prefix}_TOKEN_FILE, not both`);
    }
    if (token !== undefined)
      return staticBearer(server, { setting: `${prefix}_TOKEN`, value: token }, scopes);
    if (tokenFile !== undefined) {
      return staticBearer(server, { setting: `${prefix}_TOKEN_FILE`, file: tokenFile }, scopes);
    }

    tokens ??= clientCredentialsFromEnv(env) ?? null;
    if (tokens === null) return undefined;
    const resourceSetting = get('RESOURCE') === undefined ? `${prefix}_URL` : `${prefix}_RESOURCE`;
    const resource = get('RESOURCE') ?? url;
    assertResource(resource, resourceSetting);
    return tokens.authFor({
      server,
      resource,
      scopes,
      resourceSource: resourceSetting,
      scopesSource:
        get('SCOPES') === undefined
          ? `${scopesSetting} (unset: the scopes of the tools the job calls)`
          : scopesSetting,
    });
  };
}

/** The client-credentials settings, or `undefined` when none of them is set. */
function clientCredentialsFromEnv(env: NodeJS.ProcessEnv): ClientCredentialsTokens | undefined {
  const tokenUrl = setting(env, `${OAUTH}_TOKEN_URL`);
  const clientId = setting(env, `${OAUTH}_CLIENT_ID`);
  const secret = setting(env, `${OAUTH}_CLIENT_SECRET`);
  const secretFile = setting(env, `${OAUTH}_CLIENT_SECRET_FILE`);
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

function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

/** Space- or comma-separated scopes; `undefined` when the setting is empty. */
function parseScopeList(value: string | undefined): string[] | undefined {
  const scopes = [...new Set((value ?? '').split(/[\s,]+/).filter(Boolean))];
  return scopes.length === 0 ? undefined : scopes;
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
