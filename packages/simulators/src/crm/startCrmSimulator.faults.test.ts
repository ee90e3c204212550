import { afterEach, describe, expect, it } from 'vitest';
import { crmCall, taskProperties } from '../../test/crmTestSupport.ts';
import { call, postJson } from '../../test/testSupport.ts';
import { type CrmSimulator, type CrmSimulatorOptions, startCrmSimulator } from './startCrmSimulator.ts';

describe('CRM faults', () => {
  let sim: CrmSimulator | undefined;
  const start = async (options: CrmSimulatorOptions) => {
    sim = await startCrmSimulator({ seed: 51, indexingLagMs: 0, ...options });
    return sim;
  };
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('answers 477 migration in progress with Retry-After', async () => {
    const crm = await start({ faults: { errors: { migration: 1 }, retryAfterSeconds: 3 } });
    const answer = await crmCall(crm, '/crm/v3/objects/contacts/1');
    expect(answer.status).toBe(477);
    expect(answer.headers.get('retry-after')).toBe('3');
    expect(answer.body).toMatchObject({ status: 'error', category: 'MIGRATION_IN_PROGRESS' });
    expect(crm.stats().injected.migration).toBe(1);
  });

  it('answers 423 Locked to writes only; reads and searches pass', async () => {
    const crm = await start({ faults: { errors: { lock: 1 } } });
    const write = await crmCall(crm, '/crm/v3/objects/contacts', 'POST', {
      properties: { email: 'l@x.com' },
    });
    expect(write.status).toBe(423);
    expect(write.body).toMatchObject({ status: 'error', category: 'LOCKED' });
    expect((await crmCall(crm, '/crm/v3/objects/contacts/1')).status).toBe(404);
    expect((await crmCall(crm, '/crm/v3/objects/contacts/search', 'POST', {})).status).toBe(200);
    expect(crm.stats().records.contacts).toBe(0);
  });

  it('answers a 429 storm in HubSpot’s own format, with rate-limit headers on it', async () => {
    const crm = await start({ faults: { errors: { rate_limit: 1 } } });
    const answer = await crmCall(crm, '/crm/v3/objects/contacts/1');
    expect(answer.status).toBe(429);
    expect(answer.body).toMatchObject({ category: 'RATE_LIMITS', policyName: 'TEN_SECONDLY_ROLLING' });
    expect(answer.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(answer.headers.get('x-hubspot-ratelimit-daily')).not.toBeNull();
  });

  it('renames id to objectId in a changed shape, after the write has happened', async () => {
    const crm = await start({ faults: { shapeChange: 1 } });
    const answer = await crmCall(crm, '/crm/v3/objects/contacts/batch/upsert', 'POST', {
      inputs: [{ id: 's@x.com', idProperty: 'email' }],
    });
    expect(answer.status).toBe(200);
    const result = (answer.body as { results: Record<string, unknown>[] }).results[0];
    expect(result).not.toHaveProperty('id');
    expect(result).toHaveProperty('objectId');
    expect(crm.stats().records.contacts).toBe(1);
  });

  it('loses the answer to a task create, so a blind retry makes a duplicate task', async () => {
    const crm = await start({ faults: { lostResponse: 1 } });
    const body = { properties: taskProperties('lost-1') };
    const headers = { authorization: `Bearer ${crm.token}` };
    const attempt = fetch(new URL('/crm/v3/objects/tasks', crm.url), {
      ...postJson(body, headers),
      signal: AbortSignal.timeout(150),
    });
    await expect(attempt).rejects.toThrow();
    crm.setFaults({});
    expect((await crmCall(crm, '/crm/v3/objects/tasks', 'POST', body)).status).toBe(201);
    expect(crm.stats()).toMatchObject({
      lostResponses: 1,
      records: { tasks: 2 },
      duplicates: { tasks: { tollgate_key: 1 } },
    });
  });

  it('hangs a request until the client times out, creating nothing', async () => {
    const crm = await start({ faults: { hang: 1 } });
    const attempt = fetch(new URL('/crm/v3/objects/tasks', crm.url), {
      ...postJson({ properties: taskProperties('hang-1') }, { authorization: `Bearer ${crm.token}` }),
      signal: AbortSignal.timeout(150),
    });
    await expect(attempt).rejects.toThrow(/abort|timeout/i);
    expect(crm.stats()).toMatchObject({ hangs: 1, records: { tasks: 0 } });
  });

  it('gives the same answers, ids and correlation ids to the same request sequence under the same seed', async () => {
    const run = async () => {
      const crm = await startCrmSimulator({
        seed: 52,
        faults: { errors: { server_error: 0.3, rate_limit: 0.2 } },
      });
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        const answer = await crmCall(crm, '/crm/v3/objects/contacts', 'POST', {
          properties: { email: `d${i}@x.com` },
        });
        const body = answer.body as { id?: string; correlationId?: string } | undefined;
        seen.push(`${answer.status}:${body?.id ?? ''}:${body?.correlationId ?? ''}`);
      }
      await crm.close();
      return seen;
    };
    const first = await run();
    expect(new Set(first.map((s) => s.split(':')[0])).size).toBeGreaterThan(1);
    expect(await run()).toEqual(first);
  });

  it('answers 503 during an outage flipped on through the admin endpoint', async () => {
    const crm = await start({});
    expect((await call(crm.url, '/__admin/faults', postJson({ outages: [{ startMs: 0 }] }))).status).toBe(
      200,
    );
    const answer = await crmCall(crm, '/crm/v3/objects/contacts/1');
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    const stats = (await call(crm.url, '/__admin/stats')).body;
    expect(stats).toMatchObject({ outages: 1, byStatus: { 503: 1 }, records: { contacts: 0 } });
  });
});
