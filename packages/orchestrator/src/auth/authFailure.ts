import { InsufficientScopeError, SdkHttpError, UnauthorizedError } from '@modelcontextprotocol/client';
import type { CallError } from '../servers/ServerConnection.ts';
import { isServerAuthError, type ServerAuth, type ServerAuthErrorCode } from './ServerAuth.ts';

/** A call error caused by authentication. */
export type AuthFailure = CallError & { code: ServerAuthErrorCode };

/** The message for a 401 that a fresh credential did not cure. */
export function unauthorizedMessage(server: string, hint: string): string {
  return `the ${server} server refused the credentials (401); ${hint}`;
}

/**
 * A failed request classified when authentication is the cause, else `undefined`. A refused
 * credential (401 after one refresh) or a missing scope (403) is terminal: retrying cannot help
 * until someone changes a setting, and the message names which. A token endpoint that cannot be
 * reached is retryable.
 */
export function authFailure(
  error: unknown,
  server: string,
  auth: ServerAuth | undefined,
): AuthFailure | undefined {
  if (isServerAuthError(error))
    return { code: error.code, retryable: error.retryable, message: error.message };
  const name = server.toUpperCase();
  const noCredential =
    `set TOLLGATE_${name}_TOKEN or TOLLGATE_${name}_TOKEN_FILE, ` +
    'or TOLLGATE_OAUTH_TOKEN_URL with TOLLGATE_OAUTH_CLIENT_ID and TOLLGATE_OAUTH_CLIENT_SECRET(_FILE)';
  if (InsufficientScopeError.isInstance(error)) {
    const needed = (error.requiredScope ?? '').slice(0, 200) || 'a scope it did not name';
    return {
      code: 'forbidden',
      retryable: false,
      message: `the ${server} server needs ${needed} (403 insufficient_scope); ${auth?.forbiddenHint ?? noCredential}`,
    };
  }
  const status = UnauthorizedError.isInstance(error)
    ? 401
    : SdkHttpError.isInstance(error)
      ? error.status
      : undefined;
  if (status === 401) {
    return {
      code: 'unauthorized',
      retryable: false,
      message:
        auth === undefined
          ? `the ${server} server requires a bearer token (401); ${noCredential}`
          : unauthorizedMessage(server, auth.unauthorizedHint),
    };
  }
  if (status === 403) {
    return {
      code: 'forbidden',
      retryable: false,
      message: `the ${server} server denied access (403); ${auth?.forbiddenHint ?? noCredential}`,
    };
  }
  return undefined;
}
