import type { ServerResponse } from 'node:http';
import { type HttpAuthOptions, PRM_PATH, protectedResourceMetadata } from '../auth/resourceServer.ts';
import { reply } from './httpExchange.ts';

/** The RFC 9728 Protected Resource Metadata a listener serves when it checks tokens. */
export interface ProtectedResourceEndpoint {
  /** Whether a GET of this path asks for the metadata. */
  serves(pathname: string): boolean;
  answer(res: ServerResponse): void;
}

/** The metadata endpoint of `resource`, served beside the MCP endpoint at `mcpPath`. */
export function protectedResourceEndpoint(
  options: HttpAuthOptions,
  resource: string,
  mcpPath: string,
  scopesSupported: readonly string[],
): ProtectedResourceEndpoint {
  const metadata = protectedResourceMetadata({
    resource,
    issuer: options.issuer,
    scopesSupported,
    resourceName: options.resourceName,
    documentationUrl: options.documentationUrl,
  });
  return {
    // Both the RFC 9728 path-suffixed location and the bare one, which some clients try first.
    serves: (pathname) => pathname === PRM_PATH || pathname === `${PRM_PATH}${mcpPath}`,
    // Public, and read by browser-based clients during discovery.
    answer: (res) => reply(res, 200, metadata, { 'access-control-allow-origin': '*' }),
  };
}
