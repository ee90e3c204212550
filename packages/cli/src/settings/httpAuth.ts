import type { HttpAuthOptions } from '@tollgate/core/http';
import { readJsonSettingsFile } from '@tollgate/core/settings';
import * as z from 'zod';
import { list, oneOf, setting, text, url, wholeNumber } from './setting.ts';

const http = { group: 'http' } as const;

/**
 * The HTTP auth settings of `tollgate serve <server> --http`: its keys are read under the server's
 * prefix (`AUTH_ISSUER` is `CRM_AUTH_ISSUER`; see `parseSettings`), and the rules between them
 * name the variables under it.
 */
export const httpAuthSettings = (prefix: string) =>
  z.object(httpAuthShape(prefix)).superRefine((settings, ctx) => checkHttpAuth(prefix, settings, ctx));

export type HttpAuthValues = z.output<z.ZodObject<ReturnType<typeof httpAuthShape>>>;

const httpAuthShape = (prefix: string) => ({
  AUTH: setting(
    {
      ...http,
      type: 'none | jwt',
      unset: '`jwt` when an issuer is set',
      description: `\`none\`: serve a non-loopback interface without tokens, on purpose (a proxy in front authenticates)`,
    },
    (value, fail) =>
      value === undefined || value === 'none' || value === 'jwt'
        ? value
        : fail(`must be "none" or "jwt", not "${value}".`),
  ),
  AUTH_ISSUER: setting(
    {
      ...http,
      type: 'URL',
      unset: 'no token auth',
      description: 'the `iss` every token must carry, exactly; setting it turns token auth on',
    },
    text,
  ),
  AUTH_JWKS_URL: setting(
    {
      ...http,
      type: 'URL',
      unset: "discovered from the issuer's metadata",
      description: "the issuer's keys (cached; fetched again for an unknown `kid`)",
    },
    url('https://login.example.com/jwks'),
  ),
  AUTH_JWKS_FILE: setting(
    {
      ...http,
      type: 'file',
      unset: 'unset',
      description:
        'a public JWKS document instead of a URL (`tollgate token jwks` prints one); refused if it holds a private key',
    },
    text,
  ),
  PUBLIC_URL: setting(
    {
      ...http,
      type: 'URL',
      unset: 'the listen address',
      description: 'the URL clients use: the `resource` in the metadata and the audience tokens must name',
    },
    url('https://crm.gtm.example.com/mcp'),
  ),
  AUTH_AUDIENCE: setting(
    {
      ...http,
      type: 'text',
      unset: `\`${prefix}_PUBLIC_URL\``,
      description: 'the `aud` to require, only for an issuer that cannot put the URL there',
    },
    text,
  ),
  AUTH_ALGORITHMS: setting(
    {
      ...http,
      type: 'list',
      default: 'ES256,RS256',
      description: 'accepted signatures, asymmetric only (`none` and `HS*` stop the server at start)',
    },
    list(),
  ),
  AUTH_CLOCK_SKEW_SECONDS: setting(
    { ...http, type: 'seconds', default: '30', description: 'leeway for `exp` and `nbf`' },
    wholeNumber({ min: 0, max: 300, unit: 'seconds' }),
  ),
  AUTH_TOKEN_TYPE: setting(
    {
      ...http,
      type: 'at+jwt | any',
      default: 'at+jwt',
      description:
        '`at+jwt` accepts RFC 9068 access tokens only; `any` for an issuer that does not type them',
    },
    oneOf(['at+jwt', 'any']),
  ),
  AUTH_MAX_LIFETIME_SECONDS: setting(
    { ...http, type: 'seconds', default: '86400', description: 'the longest lifetime a token may have' },
    wholeNumber({ min: 1, unit: 'seconds' }),
  ),
  AUTH_CLIENT_CLAIMS: setting(
    {
      ...http,
      type: 'list',
      default: 'client_id,azp',
      description: "the claims naming the principal's client, first present wins",
    },
    list(),
  ),
  AUTH_SUBJECT_CLAIMS: setting(
    {
      ...http,
      type: 'list',
      default: 'sub',
      description: "the claims naming the principal's subject (the user), first present wins",
    },
    list(),
  ),
});

const NEEDS_ISSUER = [
  'AUTH_JWKS_URL',
  'AUTH_JWKS_FILE',
  'AUTH_AUDIENCE',
  'AUTH_ALGORITHMS',
  'AUTH_TOKEN_TYPE',
  'AUTH_MAX_LIFETIME_SECONDS',
  'AUTH_CLIENT_CLAIMS',
  'AUTH_SUBJECT_CLAIMS',
] as const;

/** The rules between the HTTP auth settings: what contradicts what, and what needs an issuer. */
function checkHttpAuth(prefix: string, auth: HttpAuthValues, ctx: z.RefinementCtx): void {
  const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
  if (auth.AUTH === 'none') {
    if (auth.AUTH_ISSUER !== undefined) {
      fail(`${prefix}_AUTH=none contradicts ${prefix}_AUTH_ISSUER; unset one of them.`);
    }
    return;
  }
  if (auth.AUTH_ISSUER === undefined) {
    const stray = NEEDS_ISSUER.filter((name) => auth[name] !== undefined);
    if (auth.AUTH === 'jwt' || stray.length > 0) {
      const given = [...(auth.AUTH === 'jwt' ? ['AUTH=jwt'] : []), ...stray].map(
        (name) => `${prefix}_${name}`,
      );
      fail(`${prefix}_AUTH_ISSUER is required for token auth (${given.join(', ')} set without it).`);
    }
    return;
  }
  if (auth.AUTH_JWKS_URL !== undefined && auth.AUTH_JWKS_FILE !== undefined) {
    fail(`Set ${prefix}_AUTH_JWKS_URL or ${prefix}_AUTH_JWKS_FILE, not both.`);
  }
}

/** What `server.start({ http })` takes from the auth settings, and the setting that turned auth off. */
export interface HttpAuthStart {
  auth?: HttpAuthOptions;
  allowUnauthenticated?: boolean;
  /** `CRM_AUTH=none`, for the listening line. */
  unauthenticatedSetting?: string;
}

/** The server's HTTP auth from its checked settings; a JWKS file is read now. */
export function httpAuthStart(prefix: string, auth: HttpAuthValues): HttpAuthStart {
  if (auth.AUTH === 'none')
    return { allowUnauthenticated: true, unauthenticatedSetting: `${prefix}_AUTH=none` };
  const issuer = auth.AUTH_ISSUER;
  if (issuer === undefined) return {};
  return {
    auth: {
      issuer,
      ...(auth.AUTH_JWKS_URL ? { jwksUri: auth.AUTH_JWKS_URL } : {}),
      ...(auth.AUTH_JWKS_FILE ? { keys: readJwks(auth.AUTH_JWKS_FILE, `${prefix}_AUTH_JWKS_FILE`) } : {}),
      ...(auth.PUBLIC_URL ? { resource: auth.PUBLIC_URL } : {}),
      ...(auth.AUTH_AUDIENCE ? { audience: auth.AUTH_AUDIENCE } : {}),
      ...(auth.AUTH_ALGORITHMS ? { algorithms: auth.AUTH_ALGORITHMS } : {}),
      ...(auth.AUTH_CLOCK_SKEW_SECONDS === undefined
        ? {}
        : { clockToleranceSeconds: auth.AUTH_CLOCK_SKEW_SECONDS }),
      ...(auth.AUTH_TOKEN_TYPE === 'any' ? { requireAccessTokenType: false } : {}),
      ...(auth.AUTH_MAX_LIFETIME_SECONDS === undefined
        ? {}
        : { maxTokenLifetimeSeconds: auth.AUTH_MAX_LIFETIME_SECONDS }),
      ...(auth.AUTH_CLIENT_CLAIMS ? { clientClaims: auth.AUTH_CLIENT_CLAIMS } : {}),
      ...(auth.AUTH_SUBJECT_CLAIMS ? { subjectClaims: auth.AUTH_SUBJECT_CLAIMS } : {}),
    },
  };
}

const publicJwks = z.looseObject({
  keys: z
    .array(z.looseObject({ kty: z.string() }))
    .min(1, 'has no keys; expected a JWKS document like {"keys":[…]}')
    .refine((keys) => keys.every((key) => !('d' in key)), {
      message: 'holds a private key; give the server only the public JWKS',
    }),
});

type Jwks = NonNullable<HttpAuthOptions['keys']>;

function readJwks(path: string, setting: string): Jwks {
  try {
    // Checked for what the server relies on (keys, none private); the verifier checks each key itself.
    return readJsonSettingsFile(path, publicJwks, 'JWKS') as Jwks;
  } catch (error) {
    throw new Error(`${setting}: ${(error as Error).message}`);
  }
}
