import * as z from 'zod';
import { type Owner, ownerSchema } from '../schemas.ts';
import type { CrmAdapter } from './CrmAdapter.ts';
import { HubSpotCrmAdapter } from './HubSpotCrmAdapter.ts';

/** The CRM storage the environment asks for. */
export interface CrmAdapterChoice {
  /** The adapter, or undefined for the built-in store in the server's own database. */
  adapter: CrmAdapter | undefined;
  /** Upstream credentials the server must redact everywhere. */
  secrets: string[];
}

const ADAPTERS = ['builtin', 'hubspot'] as const;
const DEFAULT_HUBSPOT_URL = 'https://api.hubapi.com';

const setting = (env: NodeJS.ProcessEnv, name: string) => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

function hubSpotUrl(value: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new Error(`CRM_HUBSPOT_URL must be an http(s) URL such as ${DEFAULT_HUBSPOT_URL}; got "${value}".`);
  }
  return url;
}

function timeoutMs(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new Error(
      `CRM_HUBSPOT_TIMEOUT_MS must be a positive whole number of milliseconds; got "${value}".`,
    );
  }
  return parsed;
}

function owners(value: string): Owner[] {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    json = undefined;
  }
  const parsed = z.array(ownerSchema).min(1).safeParse(json);
  if (!parsed.success) {
    throw new Error(
      'CRM_HUBSPOT_OWNERS must be a JSON array of {"id","name","email","territory"} objects, with the ' +
        'portal’s owner ids (GET /crm/v3/owners).',
    );
  }
  return parsed.data;
}

/**
 * Chooses the CRM's storage from `CRM_ADAPTER`: `builtin` (default) or `hubspot`, which reads
 * `CRM_HUBSPOT_TOKEN` (required), `CRM_HUBSPOT_URL` (default https://api.hubapi.com),
 * `CRM_HUBSPOT_TIMEOUT_MS` (default 10000) and `CRM_HUBSPOT_OWNERS` (JSON; default the demo owners).
 * Throws, naming the variable, when a setting is missing or malformed.
 */
export function crmAdapterFromEnv(env: NodeJS.ProcessEnv = process.env): CrmAdapterChoice {
  const kind = setting(env, 'CRM_ADAPTER') ?? 'builtin';
  if (!(ADAPTERS as readonly string[]).includes(kind)) {
    throw new Error(`CRM_ADAPTER must be one of ${ADAPTERS.join(', ')}; got "${kind}".`);
  }
  if (kind === 'builtin') return { adapter: undefined, secrets: [] };
  const token = setting(env, 'CRM_HUBSPOT_TOKEN');
  if (token === undefined) {
    throw new Error(
      'CRM_ADAPTER=hubspot needs CRM_HUBSPOT_TOKEN: the private-app access token the CRM server calls HubSpot with.',
    );
  }
  const timeout = setting(env, 'CRM_HUBSPOT_TIMEOUT_MS');
  const ownerList = setting(env, 'CRM_HUBSPOT_OWNERS');
  const adapter = new HubSpotCrmAdapter({
    url: hubSpotUrl(setting(env, 'CRM_HUBSPOT_URL') ?? DEFAULT_HUBSPOT_URL),
    token,
    ...(timeout === undefined ? {} : { timeoutMs: timeoutMs(timeout) }),
    ...(ownerList === undefined ? {} : { owners: owners(ownerList) }),
  });
  return { adapter, secrets: [token] };
}
