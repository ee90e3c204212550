import type { ServerAuthSettings, ServerName } from '@tollgate/orchestrator';
import * as z from 'zod';
import { processShape } from './common.ts';
import { list, prefixed, setting, text } from './setting.ts';

/** The servers in the order the job reaches them; `SERVER_NAMES` of the orchestrator, which loads lazily. */
const SERVERS = ['warehouse', 'crm', 'enrichment', 'outreach'] as const satisfies readonly ServerName[];

/** `TOLLGATE_<SERVER>_*`: how the job reaches one server. */
const reachShape = <N extends ServerName>(name: N) => {
  const family = (suffix: string) => `TOLLGATE_<SERVER>_${suffix}`;
  return prefixed(`TOLLGATE_${name.toUpperCase() as Uppercase<N>}`, {
    URL: setting(
      {
        type: 'URL',
        unset: 'a stdio child',
        family: family('URL'),
        description: 'reach that server over Streamable HTTP instead of starting it',
      },
      text,
    ),
    TOKEN: setting(
      {
        type: 'token',
        unset: 'unset',
        secret: true,
        family: family('TOKEN'),
        description:
          'a fixed bearer token for that server instead of OAuth (e.g. from `tollgate token mint`)',
      },
      text,
    ),
    TOKEN_FILE: setting(
      {
        type: 'file',
        unset: 'unset',
        family: family('TOKEN_FILE'),
        description:
          'a file holding that bearer token, read again after a 401 (a rotated token is picked up)',
      },
      text,
    ),
    RESOURCE: setting(
      {
        type: 'URL',
        unset: "the server's URL",
        family: family('RESOURCE'),
        description: "the token audience (RFC 8707 `resource`): the server's public URL",
      },
      text,
    ),
    SCOPES: setting(
      {
        type: 'scopes',
        unset: 'the scopes of the tools the job calls there',
        family: family('SCOPES'),
        description: "the scopes asked for in that server's token, space- or comma-separated",
      },
      list({ spaces: true }),
    ),
  });
};

/** `tollgate run nightly` (and the servers it starts, which read their own settings). */
export const nightlySettings = z.object({
  ...processShape(),
  ORCHESTRATOR_DATABASE_URL: setting(
    {
      type: 'URL',
      unset: 'embedded PGlite in `$TOLLGATE_HOME/orchestrator`',
      secret: true,
      description: 'the run ledger on a Postgres server (needed for overlapping runs)',
    },
    text,
  ),
  ...reachShape('warehouse'),
  ...reachShape('crm'),
  ...reachShape('enrichment'),
  ...reachShape('outreach'),
  TOLLGATE_OAUTH_TOKEN_URL: setting(
    {
      type: 'URL',
      unset: 'no OAuth',
      description:
        'the token endpoint for OAuth client credentials: one token per HTTP server, cached until shortly before it expires',
    },
    text,
  ),
  TOLLGATE_OAUTH_CLIENT_ID: setting(
    { type: 'text', unset: 'unset', description: "the job's client id at that endpoint" },
    text,
  ),
  TOLLGATE_OAUTH_CLIENT_SECRET: setting(
    {
      type: 'secret',
      unset: 'unset',
      secret: true,
      description: "the client's secret; prefer the file below, which no process listing shows",
    },
    text,
  ),
  TOLLGATE_OAUTH_CLIENT_SECRET_FILE: setting(
    { type: 'file', unset: 'unset', description: "a file holding the client's secret, read and trimmed" },
    text,
  ),
});

export type NightlySettings = z.output<typeof nightlySettings>;

/** How the job reaches and authenticates to the servers, from its settings. */
export function serverAuthSettings(settings: NightlySettings): ServerAuthSettings {
  const reach = (name: (typeof SERVERS)[number]) => {
    const prefix = `TOLLGATE_${name.toUpperCase() as Uppercase<typeof name>}` as const;
    return {
      url: settings[`${prefix}_URL`],
      token: settings[`${prefix}_TOKEN`],
      tokenFile: settings[`${prefix}_TOKEN_FILE`],
      resource: settings[`${prefix}_RESOURCE`],
      scopes: settings[`${prefix}_SCOPES`],
    };
  };
  return {
    servers: Object.fromEntries(SERVERS.map((name) => [name, reach(name)])),
    oauth: {
      tokenUrl: settings.TOLLGATE_OAUTH_TOKEN_URL,
      clientId: settings.TOLLGATE_OAUTH_CLIENT_ID,
      clientSecret: settings.TOLLGATE_OAUTH_CLIENT_SECRET,
      clientSecretFile: settings.TOLLGATE_OAUTH_CLIENT_SECRET_FILE,
    },
  };
}
