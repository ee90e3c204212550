import { describe, expect, it } from 'vitest';
import { nightlySettings, serverAuthSettings } from './nightly.ts';
import { parseSettings } from './setting.ts';

describe('the nightly settings', () => {
  it('give each server its own reach, with empty values unset and scopes as a list', () => {
    const settings = parseSettings(nightlySettings, {
      TOLLGATE_CRM_URL: 'https://crm.example.com/mcp',
      TOLLGATE_CRM_SCOPES: 'accounts:read, accounts:upsert accounts:read',
      TOLLGATE_CRM_TOKEN_FILE: ' /run/secrets/crm ',
      TOLLGATE_WAREHOUSE_TOKEN: '',
      TOLLGATE_OAUTH_CLIENT_SECRET_FILE: '',
      TOLLGATE_OAUTH_CLIENT_ID: 'nightly',
    });
    expect(serverAuthSettings(settings)).toEqual({
      servers: {
        warehouse: {
          url: undefined,
          token: undefined,
          tokenFile: undefined,
          resource: undefined,
          scopes: undefined,
        },
        crm: {
          url: 'https://crm.example.com/mcp',
          token: undefined,
          tokenFile: '/run/secrets/crm',
          resource: undefined,
          scopes: ['accounts:read', 'accounts:upsert'],
        },
        enrichment: {
          url: undefined,
          token: undefined,
          tokenFile: undefined,
          resource: undefined,
          scopes: undefined,
        },
        outreach: {
          url: undefined,
          token: undefined,
          tokenFile: undefined,
          resource: undefined,
          scopes: undefined,
        },
      },
      oauth: {
        tokenUrl: undefined,
        clientId: 'nightly',
        clientSecret: undefined,
        clientSecretFile: undefined,
      },
    });
  });

  it('refuse a log level the servers could not use, naming the variable', () => {
    expect(() => parseSettings(nightlySettings, { TOLLGATE_LOG_LEVEL: 'verbose' })).toThrow(
      /^TOLLGATE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"/,
    );
    expect(parseSettings(nightlySettings, { TOLLGATE_HOME: '/srv/tollgate' }).TOLLGATE_HOME).toBe(
      '/srv/tollgate',
    );
  });
});
