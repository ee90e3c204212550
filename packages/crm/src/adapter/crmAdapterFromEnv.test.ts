import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDACTED } from '@tollgate/core/telemetry';
import { connectInProcess } from '@tollgate/core/testing';
import { startCrmSimulator } from '@tollgate/simulators';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { createCrmServerFromEnv } from '../createCrmServer.ts';
import { crmAdapterFromEnv } from './crmAdapterFromEnv.ts';
import { HubSpotCrmAdapter } from './HubSpotCrmAdapter.ts';

const hubspot = { CRM_ADAPTER: 'hubspot', CRM_HUBSPOT_TOKEN: 'pat-na1-0000-test-token' };

describe('choosing the CRM adapter from the environment', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('uses the built-in store by default', () => {
    expect(crmAdapterFromEnv({})).toEqual({ adapter: undefined, secrets: [] });
    expect(crmAdapterFromEnv({ CRM_ADAPTER: 'builtin', CRM_HUBSPOT_TOKEN: 'ignored-here' }).secrets).toEqual(
      [],
    );
  });

  it('builds the HubSpot adapter and hands its token over as a secret', () => {
    const { adapter, secrets } = crmAdapterFromEnv({ ...hubspot, CRM_HUBSPOT_TIMEOUT_MS: '2500' });
    expect(adapter).toBeInstanceOf(HubSpotCrmAdapter);
    expect(adapter?.kind).toBe('hubspot');
    expect(secrets).toEqual([hubspot.CRM_HUBSPOT_TOKEN]);
  });

  it('refuses to start, naming the variable, when a setting is missing or malformed', async () => {
    expect(() => crmAdapterFromEnv({ CRM_ADAPTER: 'salesforce' })).toThrow(
      /CRM_ADAPTER must be one of builtin, hubspot/,
    );
    expect(() => crmAdapterFromEnv({ CRM_ADAPTER: 'hubspot' })).toThrow(/needs CRM_HUBSPOT_TOKEN/);
    expect(() => crmAdapterFromEnv({ ...hubspot, CRM_HUBSPOT_URL: 'ftp://x' })).toThrow(/CRM_HUBSPOT_URL/);
    expect(() => crmAdapterFromEnv({ ...hubspot, CRM_HUBSPOT_TIMEOUT_MS: 'soon' })).toThrow(
      /CRM_HUBSPOT_TIMEOUT_MS/,
    );
    expect(() => crmAdapterFromEnv({ ...hubspot, CRM_HUBSPOT_OWNERS: '[{"id":1}]' })).toThrow(
      /CRM_HUBSPOT_OWNERS/,
    );
    // Before any database is opened: a missing token must not cost a store.
    await expect(
      createCrmServerFromEnv({ CRM_ADAPTER: 'hubspot', CRM_DATA_DIR: '/nonexistent/x' }),
    ).rejects.toThrow(/CRM_HUBSPOT_TOKEN/);
  });

  it('serves HubSpot records from the environment with the token redacted everywhere', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tollgate-crm-env-'));
    await copyFile(inject('pgliteSnapshot'), join(home, '.pglite-empty.tar'));
    vi.stubEnv('TOLLGATE_HOME', home);
    vi.stubEnv('TOLLGATE_LOG_LEVEL', 'silent');
    const sim = await startCrmSimulator({ indexingLagMs: 0 });
    const crm = await createCrmServerFromEnv({
      CRM_ADAPTER: 'hubspot',
      CRM_HUBSPOT_URL: sim.url.toString(),
      CRM_HUBSPOT_TOKEN: sim.token,
      CRM_HUBSPOT_OWNERS: JSON.stringify([
        { id: '9001', name: 'Ada Park', email: 'ada@x.com', territory: null },
      ]),
    });
    const { client, close } = await connectInProcess(crm);
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
      await crm.close();
      await sim.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
