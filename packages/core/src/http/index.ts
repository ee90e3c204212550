/**
 * `@tollgate/core/http`: the Streamable HTTP listener (`server.start({ http })` uses it) and the
 * OAuth resource-server side: bearer-token verification and RFC 9728 metadata.
 */
export {
  bearerChallenge,
  type HttpAuthOptions,
  PRM_PATH,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from '../auth/resourceServer.ts';
export {
  createTokenVerifier,
  DEFAULT_ALGORITHMS,
  InvalidTokenError,
  type TokenRejection,
  type TokenVerifier,
  type TokenVerifierOptions,
  type VerifiedToken,
} from '../auth/tokenVerifier.ts';
export type { AccessPolicy, DeniedCall } from '../server/accessPolicy.ts';
export { DEFAULT_MAX_BODY_BYTES, type HttpListener, type HttpOptions, listenHttp } from '../server/http.ts';
