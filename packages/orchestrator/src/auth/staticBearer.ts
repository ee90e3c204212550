import { readFileSync } from 'node:fs';
import { unauthorizedMessage } from './authFailure.ts';
import { type ServerAuth, ServerAuthError } from './ServerAuth.ts';

/** Reads a secret from a file named by a setting: trimmed, and never empty. */
export function readSecretFile(path: string, setting: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ServerAuthError('auth_config', `cannot read ${setting} (${path}): ${reason}`, { cause: error });
  }
  if (text === '') throw new ServerAuthError('auth_config', `${setting} (${path}) is empty`);
  return text;
}

/**
 * A fixed bearer token from a setting (`TOLLGATE_<NAME>_TOKEN`) or a file
 * (`TOLLGATE_<NAME>_TOKEN_FILE`). A file is read again after a 401, so a token rotated on disk (a
 * sidecar, a mounted secret) is picked up; when it has not changed, the 401 is final at once
 * instead of after a pointless retry.
 */
export function staticBearer(
  server: string,
  source: { setting: string; value: string } | { setting: string; file: string },
  scopesNeeded: readonly string[],
): ServerAuth {
  let current = 'value' in source ? source.value : readSecretFile(source.file, source.setting);
  const unauthorizedHint =
    `the token from ${source.setting} may have expired or name another issuer or audience; ` +
    'issue a new one (tollgate token mint, for the development issuer)';
  const auth: ServerAuth = {
    unauthorizedHint,
    forbiddenHint: `the token from ${source.setting} lacks a scope; the job needs "${scopesNeeded.join(' ')}"`,
    token: async () => current,
  };
  if ('file' in source) {
    auth.onUnauthorized = async () => {
      const reread = readSecretFile(source.file, source.setting);
      if (reread === current) {
        throw new ServerAuthError('unauthorized', unauthorizedMessage(server, unauthorizedHint));
      }
      current = reread;
    };
  }
  return auth;
}
