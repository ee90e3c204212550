import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import {
  bearerChallenge,
  bearerToken,
  type HttpAuthOptions,
  protectedResourceMetadataUrl,
} from '../auth/resourceServer.ts';
import { createTokenVerifier, InvalidTokenError } from '../auth/tokenVerifier.ts';
import type { Refusal } from './refusal.ts';

/** Bearer-token auth for one listener (OAuth 2.1 resource server, RFC 6750 and RFC 9728). */
export interface BearerAuth {
  /** The canonical URL tokens must name: their audience unless told otherwise. */
  readonly resource: string;
  /** Where the resource's RFC 9728 metadata lives; every challenge names it. */
  readonly metadataUrl: string;
  /** The caller the request's token proves, or the refusal to answer with; never throws. */
  authenticate(req: IncomingMessage): Promise<{ ok: true; info: AuthInfo } | { ok: false; refusal: Refusal }>;
}

/** Bearer auth for a listener at `listening`, whose resource is `options.resource` or that URL. */
export function bearerAuth(options: HttpAuthOptions, listening: URL): BearerAuth {
  const resource = options.resource ?? listening.href;
  const verifier = createTokenVerifier({ ...options, audience: options.audience ?? resource });
  const metadataUrl = protectedResourceMetadataUrl(resource);

  const unauthorized = (
    reason: string,
    error: 'invalid_token' | undefined,
    description: string,
  ): { ok: false; refusal: Refusal } => ({
    ok: false,
    refusal: {
      status: 401,
      reason,
      body: { error: error ?? 'unauthorized', error_description: description },
      headers: {
        'www-authenticate': bearerChallenge({
          resourceMetadata: metadataUrl,
          ...(error ? { error, description } : {}),
        }),
        connection: 'close',
      },
    },
  });

  return {
    resource,
    metadataUrl,
    authenticate: async (req) => {
      const token = bearerToken(req.headers.authorization);
      if (token === undefined) {
        return unauthorized(
          'missing_token',
          undefined,
          'This server requires a bearer token; see the resource metadata.',
        );
      }
      if (token === null) {
        return unauthorized(
          'not_bearer',
          'invalid_token',
          'The Authorization header does not carry a Bearer token.',
        );
      }
      try {
        const verified = await verifier.verify(token);
        const info: AuthInfo = {
          token,
          clientId: verified.clientId,
          scopes: verified.scopes,
          expiresAt: verified.expiresAt,
          resource: new URL(resource),
          ...(verified.subject === undefined ? {} : { extra: { subject: verified.subject } }),
        };
        return { ok: true, info };
      } catch (error) {
        if (!(error instanceof InvalidTokenError)) {
          return unauthorized('invalid', 'invalid_token', 'The access token is invalid.');
        }
        if (!error.unavailable) return unauthorized(error.reason, 'invalid_token', error.message);
        return {
          ok: false,
          refusal: {
            status: 503,
            reason: error.reason,
            body: { error: 'temporarily_unavailable', error_description: error.message },
            headers: { 'retry-after': '5', connection: 'close' },
          },
        };
      }
    },
  };
}

/** The token's subject, which bearer auth puts in `AuthInfo.extra` beside the SDK's `clientId`. */
export function subjectOf(info: AuthInfo): string | undefined {
  return typeof info.extra?.subject === 'string' ? info.extra.subject : undefined;
}
