import { openServerDatabase } from '@tollgate/core/settings';
import type * as z from 'zod';
import { serverBase, serverBaseShape } from './common.ts';
import { serverSchemas } from './serverSchemas.ts';
import { type Fail, oneOf, SettingsError, setting, text, url, wholeNumber } from './setting.ts';

const DEFAULT_HUBSPOT_URL = 'https://api.hubapi.com';
const hubspot = (description: string) => `with \`CRM_ADAPTER=hubspot\`: ${description}`;

/** `tollgate serve crm`: where the CRM's records live, and the store and scopes of every server. */
export const crmSettings = serverSchemas(
  'CRM',
  {
    ...serverBaseShape('CRM', 'crm'),
    CRM_ADAPTER: setting(
      {
        type: 'builtin | hubspot',
        default: 'builtin',
        description: "where records live: the server's own store, or a HubSpot portal (CRM v3 API)",
      },
      oneOf(['builtin', 'hubspot'], 'builtin'),
    ),
    CRM_HUBSPOT_URL: setting(
      { type: 'URL', default: DEFAULT_HUBSPOT_URL, description: hubspot('the API base URL') },
      (value, fail) => url(DEFAULT_HUBSPOT_URL, { http: true })(value, fail) ?? DEFAULT_HUBSPOT_URL,
    ),
    CRM_HUBSPOT_TOKEN: setting(
      {
        type: 'token',
        unset: 'required for `hubspot`',
        secret: true,
        description: hubspot('the private-app access token the server calls HubSpot with'),
      },
      text,
    ),
    CRM_HUBSPOT_TIMEOUT_MS: setting(
      { type: 'ms', default: '10000', description: hubspot('the deadline of one HubSpot request') },
      wholeNumber({ min: 1, unit: 'milliseconds' }),
    ),
    CRM_HUBSPOT_OWNERS: setting(
      {
        type: 'JSON',
        unset: 'the demo owners',
        description: hubspot(
          'the portal\'s owners (GET /crm/v3/owners) as [{"id","name","email","territory"}]',
        ),
      },
      ownersJson,
    ),
  },
  (settings, ctx) => {
    if (settings.CRM_ADAPTER === 'hubspot' && settings.CRM_HUBSPOT_TOKEN === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'CRM_ADAPTER=hubspot needs CRM_HUBSPOT_TOKEN: the private-app access token the CRM server calls HubSpot with.',
      });
    }
  },
);

export type CrmSettings = z.output<typeof crmSettings.stdio>;

const OWNERS_SHAPE =
  'must be a JSON array of {"id","name","email","territory"} objects, with the portal’s owner ids (GET /crm/v3/owners).';

/** The owners' JSON, parsed; each owner's fields are checked by the CRM's own schema when it starts. */
function ownersJson(value: string | undefined, fail: Fail): unknown[] | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return fail(OWNERS_SHAPE);
  }
  return Array.isArray(parsed) && parsed.length > 0 ? parsed : fail(OWNERS_SHAPE);
}

/** The CRM server these settings describe; nothing opens before every setting is known good. */
export async function crmServer(settings: CrmSettings) {
  const crm = await import('@tollgate/crm');
  const base = serverBase('CRM', settings, crm.CRM_SCOPES);
  let adapter: InstanceType<typeof crm.HubSpotCrmAdapter> | undefined;
  const secrets: (string | undefined)[] = [...base.secrets];
  if (settings.CRM_ADAPTER === 'hubspot' && settings.CRM_HUBSPOT_TOKEN !== undefined) {
    const owners = crm.ownerSchema.array().safeParse(settings.CRM_HUBSPOT_OWNERS);
    if (settings.CRM_HUBSPOT_OWNERS !== undefined && !owners.success) {
      throw new SettingsError([`CRM_HUBSPOT_OWNERS ${OWNERS_SHAPE}`]);
    }
    adapter = new crm.HubSpotCrmAdapter({
      url: settings.CRM_HUBSPOT_URL,
      token: settings.CRM_HUBSPOT_TOKEN,
      ...(settings.CRM_HUBSPOT_TIMEOUT_MS === undefined
        ? {}
        : { timeoutMs: settings.CRM_HUBSPOT_TIMEOUT_MS }),
      ...(owners.success ? { owners: owners.data } : {}),
    });
    secrets.push(settings.CRM_HUBSPOT_TOKEN);
  }
  return crm.createCrmServer({
    db: await openServerDatabase('crm', base.store),
    ...(adapter === undefined ? {} : { adapter }),
    grantedScopes: base.grantedScopes,
    secrets,
    principal: base.principal,
    log: base.log,
  });
}
