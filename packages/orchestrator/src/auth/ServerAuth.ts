import type { AuthProvider } from '@modelcontextprotocol/client';

/**
 * How the job authenticates to one server over HTTP: the SDK's `AuthProvider` (the transport calls
 * `token()` before every request and, after a 401, `onUnauthorized()` and then retries the request
 * once), plus what to check when the server refuses anyway, naming settings, never values.
 * Implementations keep the credential out of enumerable fields, so logging a spec never prints it.
 */
export interface ServerAuth extends AuthProvider {
  /** What to check when the server answers 401 to a fresh credential. */
  readonly unauthorizedHint: string;
  /** What to check when the server answers 403: the credential lacks a scope. */
  readonly forbiddenHint: string;
}

const BRAND = Symbol.for('tollgate.ServerAuthError');

/**
 * unauthorized: the credential was refused (by the server or the token endpoint) — terminal;
 * forbidden: the credential lacks a scope — terminal; upstream_unavailable: the token endpoint
 * could not be reached or failed — retryable; auth_config: the settings are wrong — terminal.
 */
export type ServerAuthErrorCode = 'unauthorized' | 'forbidden' | 'upstream_unavailable' | 'auth_config';

/** An authentication failure, classified like a tool error. Its message never holds a secret. */
export class ServerAuthError extends Error {
  readonly [BRAND] = true;
  readonly code: ServerAuthErrorCode;
  readonly retryable: boolean;

  constructor(code: ServerAuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerAuthError';
    this.code = code;
    this.retryable = code === 'upstream_unavailable';
  }
}

/** True for a ServerAuthError, also one from another copy of this module (checked by brand). */
export function isServerAuthError(error: unknown): error is ServerAuthError {
  return typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true;
}
