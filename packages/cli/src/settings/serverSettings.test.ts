import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDACTED } from '@tollgate/core/telemetry';
import { DEFAULT_CACHE_TTL_MS, DEFAULT_VENDOR_TIMEOUT_MS } from '@tollgate/enrichment';
import { DEFAULT_DRAFT_WINDOW_DAYS } from '@tollgate/outreach';
import { startCrmSimulator } from '@tollgate/simulators';
import { connectInProcess } from '@tollgate/testing';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { crmServer, crmSettings } from './crm.ts';
import { enrichmentServer, enrichmentSettings } from './enrichment.ts';
import { outreachServer, outreachSettings } from './outreach.ts';
import { parseSettings, settingsOf } from './setting.ts';
import { warehouseSettings } from './warehouse.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const TEST_API_KEY = 'test-pdl-key-7f3a9c41-do-not-log';
const hubspot = { CRM_ADAPTER: 'hubspot', CRM_HUBSPOT_TOKEN: 'pat-na1-0000-test-token' };
const crm = (env: Record<string, string>) => parseSettings(crmSettings.stdio, env);
const enrichment = (env: Record<string, string>) => parseSettings(enrichmentSettings.stdio, env);
const outreach = (env: Record<string, string>) => parseSettings(outreachSettings.stdio, env);
const base = { ENRICHMENT_VENDOR_URL: 'http://127.0.0.1:9/', ENRICHMENT_API_KEY: TEST_API_KEY };

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'tollgate-settings-'));
  await copyFile(inject('pgliteSnapshot'), join(home, '.pglite-empty.tar'));
});
afterEach(() => rm(home, { recursive: true, force: true }));

describe('the CRM settings', () => {
  it('use the built-in store by default, ignoring HubSpot settings there', () => {
    expect(crm({})).toMatchObject({ CRM_ADAPTER: 'builtin', CRM_HUBSPOT_URL: 'https://api.hubapi.com' });
    expect(crm({ CRM_ADAPTER: 'builtin', CRM_HUBSPOT_TOKEN: 'ignored-here' }).CRM_ADAPTER).toBe('builtin');
  });

  it('refuse to start, naming the variable, when a setting is missing or malformed', async () => {
    expect(() => crm({ CRM_ADAPTER: 'salesforce' })).toThrow(/^CRM_ADAPTER must be one of builtin, hubspot/);
    expect(() => crm({ CRM_ADAPTER: 'hubspot' })).toThrow(/^CRM_ADAPTER=hubspot needs CRM_HUBSPOT_TOKEN/);
    expect(() => crm({ ...hubspot, CRM_HUBSPOT_URL: 'ftp://x' })).toThrow(
      /^CRM_HUBSPOT_URL must be an http\(s\) URL/,
    );
    expect(() => crm({ ...hubspot, CRM_HUBSPOT_TIMEOUT_MS: 'soon' })).toThrow(/^CRM_HUBSPOT_TIMEOUT_MS/);
    expect(() => crm({ ...hubspot, CRM_HUBSPOT_OWNERS: 'nope' })).toThrow(
      /^CRM_HUBSPOT_OWNERS must be a JSON array/,
    );
    // Each owner's fields are checked by the CRM's own schema, before any database is opened.
    await expect(
      crmServer(crm({ ...hubspot, CRM_HUBSPOT_OWNERS: '[{"id":1}]', CRM_DATA_DIR: '/nonexistent/x' })),
    ).rejects.toThrow(/^CRM_HUBSPOT_OWNERS must be a JSON array/);
    await expect(
      crmServer(crm({ CRM_SCOPES: 'accounts:read leads:delete', CRM_DATA_DIR: '/nonexistent/x' })),
    ).rejects.toThrow(/CRM_SCOPES names unknown scope leads:delete/);
  });

  it('report every problem at once, one line each, and never the token', () => {
    const attempt = () =>
      crm({
        CRM_ADAPTER: 'hubspot',
        CRM_HUBSPOT_TOKEN: 'pat-secret-value-1',
        CRM_HUBSPOT_TIMEOUT_MS: '0',
        CRM_HUBSPOT_URL: 'x',
      });
    expect(attempt).toThrow(/^CRM_HUBSPOT_URL .*\nCRM_HUBSPOT_TIMEOUT_MS /);
    expect(attempt).not.toThrow(/pat-secret-value-1/);
  });

  it('serve HubSpot records with the token redacted everywhere', async () => {
    const sim = await startCrmSimulator({ indexingLagMs: 0 });
    const server = await crmServer(
      crm({
        TOLLGATE_HOME: home,
        TOLLGATE_LOG_LEVEL: 'silent',
        CRM_ADAPTER: 'hubspot',
        CRM_HUBSPOT_URL: sim.url.toString(),
        CRM_HUBSPOT_TOKEN: sim.token,
        CRM_HUBSPOT_OWNERS: JSON.stringify([
          { id: '9001', name: 'Ada Park', email: 'ada@x.com', territory: null },
        ]),
      }),
    );
    const { client, close } = await connectInProcess(server);
    try {
      // The token sent as an ordinary value: only its being one of the server's secrets hides it.
      const result = await client.callTool({
        name: 'upsert_account',
        arguments: { domain: 'acme.com', name: sim.token, owner_id: '9001' },
      });
      expect(result.structuredContent).toMatchObject({
        created: true,
        account: { name: REDACTED, owner_id: '9001' },
      });
      expect(JSON.stringify(result)).not.toContain(sim.token);
      expect(sim.stats().records.companies).toBe(1);
    } finally {
      await close();
      await server.close();
      await sim.close();
    }
  });
});

describe('the enrichment settings', () => {
  it('read the vendor and the shared server settings under the ENRICHMENT prefix', () => {
    expect(
      enrichment({
        ...base,
        ENRICHMENT_DATABASE_URL: 'postgres://127.0.0.1/enrichment',
        ENRICHMENT_DATA_DIR: '/tmp/enrichment',
        ENRICHMENT_PRINCIPAL: 'nightly',
        ENRICHMENT_TIMEOUT_MS: '1500',
        ENRICHMENT_CACHE_TTL_MS: '60000',
      }),
    ).toMatchObject({
      ENRICHMENT_VENDOR_URL: 'http://127.0.0.1:9/',
      ENRICHMENT_DATABASE_URL: 'postgres://127.0.0.1/enrichment',
      ENRICHMENT_DATA_DIR: '/tmp/enrichment',
      ENRICHMENT_PRINCIPAL: 'nightly',
      ENRICHMENT_TIMEOUT_MS: 1500,
      ENRICHMENT_CACHE_TTL_MS: 60_000,
    });
  });

  it('refuse to start without the vendor URL or key, naming the variable', () => {
    expect(() => enrichment({ ENRICHMENT_API_KEY: TEST_API_KEY })).toThrow(
      /^ENRICHMENT_VENDOR_URL is not set/,
    );
    expect(() => enrichment({ ENRICHMENT_VENDOR_URL: base.ENRICHMENT_VENDOR_URL })).toThrow(
      /^ENRICHMENT_API_KEY is not set/,
    );
    expect(() => enrichment({ ...base, ENRICHMENT_VENDOR_URL: 'api.example.com' })).toThrow(
      /^ENRICHMENT_VENDOR_URL must be an absolute URL such as https:\/\/api.peopledatalabs.com\/\.$/,
    );
  });

  it('refuse a key too short to redact, without printing it', () => {
    const attempt = () => enrichment({ ...base, ENRICHMENT_API_KEY: 'k3y-42' });
    expect(attempt).toThrow(/^ENRICHMENT_API_KEY is shorter than 8 characters/);
    expect(attempt).not.toThrow(/k3y-42/);
  });

  it('refuse malformed durations and unknown scopes, naming the variable', async () => {
    expect(() => enrichment({ ...base, ENRICHMENT_TIMEOUT_MS: '5s' })).toThrow(
      /^ENRICHMENT_TIMEOUT_MS must be/,
    );
    expect(() => enrichment({ ...base, ENRICHMENT_CACHE_TTL_MS: '0' })).toThrow(
      /^ENRICHMENT_CACHE_TTL_MS must be/,
    );
    await expect(
      enrichmentServer(enrichment({ ...base, ENRICHMENT_SCOPES: 'signals:write' })),
    ).rejects.toThrow(/ENRICHMENT_SCOPES names unknown scope signals:write/);
  });
});

describe('the outreach settings', () => {
  it('make the draft window a week unless OUTREACH_DRAFT_WINDOW_DAYS says otherwise, 0 meaning no limit', () => {
    const windowOf = (value?: string) =>
      outreach(value === undefined ? {} : { OUTREACH_DRAFT_WINDOW_DAYS: value }).OUTREACH_DRAFT_WINDOW_DAYS;
    expect([windowOf(), windowOf(' '), windowOf('30'), windowOf('0.5'), windowOf('0')]).toEqual([
      7 * DAY_MS,
      7 * DAY_MS,
      30 * DAY_MS,
      DAY_MS / 2,
      0,
    ]);
    for (const value of ['a week', '-1', '1e9', 'Infinity']) {
      expect(() => windowOf(value)).toThrow(/^OUTREACH_DRAFT_WINDOW_DAYS must be a number of days/);
    }
  });

  it('reach the server that tollgate serve outreach builds', async () => {
    const server = await outreachServer(
      outreach({ TOLLGATE_HOME: home, TOLLGATE_LOG_LEVEL: 'silent', OUTREACH_DRAFT_WINDOW_DAYS: '0' }),
    );
    const { client, close } = await connectInProcess(server);
    try {
      const args = (key: string) => ({
        idempotency_key: key,
        lead_email: 'ada@acme.com',
        domain: 'acme.com',
        subject: 'Hello',
        body: 'Hi Ada',
      });
      const first = await client.callTool({ name: 'create_outreach_draft', arguments: args('a') });
      const second = await client.callTool({ name: 'create_outreach_draft', arguments: args('b') });
      expect([first.structuredContent, second.structuredContent]).toMatchObject([
        { existing: false },
        { existing: false },
      ]);
    } finally {
      await close();
      await server.close();
    }
  });
});

describe('the settings defaults', () => {
  it('state the defaults the servers apply', () => {
    const defaultOf = (settings: Parameters<typeof settingsOf>[0], name: string) =>
      settingsOf(settings).find((setting) => setting.name === name)?.default;
    expect(defaultOf(enrichmentSettings.stdio, 'ENRICHMENT_TIMEOUT_MS')).toBe(
      String(DEFAULT_VENDOR_TIMEOUT_MS),
    );
    expect(defaultOf(enrichmentSettings.stdio, 'ENRICHMENT_CACHE_TTL_MS')).toBe(String(DEFAULT_CACHE_TTL_MS));
    expect(defaultOf(outreachSettings.stdio, 'OUTREACH_DRAFT_WINDOW_DAYS')).toBe(
      String(DEFAULT_DRAFT_WINDOW_DAYS),
    );
    expect(parseSettings(warehouseSettings.stdio, {}).WAREHOUSE_DEMO_ACCOUNTS).toBe(
      Number(defaultOf(warehouseSettings.stdio, 'WAREHOUSE_DEMO_ACCOUNTS')),
    );
    expect(() => parseSettings(warehouseSettings.stdio, { WAREHOUSE_DEMO_ACCOUNTS: '0' })).toThrow(
      /^WAREHOUSE_DEMO_ACCOUNTS must be a whole number of accounts above 0; got "0"/,
    );
  });

  it('never print a secret setting as a default', () => {
    for (const schema of [
      crmSettings.stdio,
      enrichmentSettings.stdio,
      outreachSettings.stdio,
      warehouseSettings.stdio,
    ]) {
      for (const setting of settingsOf(schema).filter((s) => s.secret))
        expect(setting.default, setting.name).toBeUndefined();
    }
  });
});
