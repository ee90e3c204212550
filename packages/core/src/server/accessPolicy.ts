/** What the HTTP layer asks of the gate to answer 403 before a call reaches it. */
export interface AccessPolicy {
  /** Every scope some tool of this server needs and the server may grant (for the metadata). */
  readonly scopesSupported: readonly string[];
  /** The scopes a tool requires; undefined for a tool this server does not have. */
  requiredScopes(tool: string): readonly string[] | undefined;
  /** A token's scopes narrowed to what this server grants. */
  effectiveScopes(tokenScopes: readonly string[]): ReadonlySet<string>;
  /** Writes the call record of a call refused here, so refusals are recorded like any call. */
  recordDenied(call: DeniedCall): Promise<void>;
  /** Records a request refused before any call was read: no token, a bad one, or keys unavailable. */
  recordRefused?(refusal: RefusedRequest): void;
}

/** A request refused for its credentials: never the token itself, only why. */
export interface RefusedRequest {
  status: 401 | 503;
  /** `missing_token`, `not_bearer`, or the verifier's reason (`expired`, `wrong_audience`, …). */
  reason: string;
  method: string;
  remoteAddress: string | undefined;
}

/** A `tools/call` refused before the gate because the token's scopes do not cover it. */
export interface DeniedCall {
  tool: string;
  arguments: Record<string, unknown> | undefined;
  meta: Record<string, unknown> | undefined;
  clientId: string;
  subject: string | undefined;
  scopes: ReadonlySet<string>;
}
