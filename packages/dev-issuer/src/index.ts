export {
  ANY_RESOURCE,
  authenticateClient,
  CLIENTS_FILE,
  type DefaultClients,
  type DevClient,
  type DevClientsConfig,
  devClientsSchema,
  grantScopes,
  loadDevClients,
  loadOrCreateDefaultClients,
  parseDevClients,
  resourceProblem,
  type ScopeGrant,
} from './clients.ts';
export { DevIssuerError } from './privateFiles.ts';
export {
  type DevSigningKey,
  generateSigningKey,
  loadOrCreateSigningKey,
  type PublicJwks,
  publicJwks,
  SIGNING_KEY_FILE,
  signWithKey,
} from './signingKey.ts';
export {
  DEFAULT_TOKEN_TTL_SECONDS,
  type DevIssuer,
  type DevIssuerOptions,
  issuerUrl,
  startDevIssuer,
} from './startDevIssuer.ts';
export { type AccessTokenInput, accessTokenClaims } from './tokenRequest.ts';
