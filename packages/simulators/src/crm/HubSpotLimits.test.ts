import { afterEach, describe, expect, it } from 'vitest';
import { crmCall } from '../../test/crmTestSupport.ts';
import { sleep } from '../../test/testSupport.ts';
import { type CrmSimulator, startCrmSimulator } from './startCrmSimulator.ts';

describe('HubSpot rate limits', () => {
  let sim: CrmSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('answers TEN_SECONDLY_ROLLING past the burst limit and recovers once the window rolls on', async () => {
    sim = await startCrmSimulator({ rateLimit: { max: 3, intervalMs: 250 } });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await crmCall(sim, '/crm/v3/objects/contacts/1'));
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 429]);
    const limited = answers[3];
    expect(limited?.body).toMatchObject({
      status: 'error',
      category: 'RATE_LIMITS',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(limited?.headers.get('x-hubspot-ratelimit-max')).toBe('3');
    expect(limited?.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(limited?.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('250');
    await sleep(270);
    const after = await crmCall(sim, '/crm/v3/objects/contacts/1');
    expect(after.status).toBe(404);
    expect(after.headers.get('x-hubspot-ratelimit-remaining')).toBe('2');
  });

  it('answers DAILY once the daily cap is spent, with the daily headers at zero', async () => {
    sim = await startCrmSimulator({ dailyLimit: { max: 2 } });
    await crmCall(sim, '/crm/v3/objects/contacts/1');
    const last = await crmCall(sim, '/crm/v3/objects/contacts/1');
    expect(last.headers.get('x-hubspot-ratelimit-daily')).toBe('2');
    expect(last.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('0');
    const refused = await crmCall(sim, '/crm/v3/objects/contacts/1');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ category: 'RATE_LIMITS', policyName: 'DAILY' });
    expect(sim.stats().limits.daily).toEqual({ limit: 2, used: 2, remaining: 0 });
  });

  it('resets the daily cap when its period ends', async () => {
    sim = await startCrmSimulator({ dailyLimit: { max: 1, periodMs: 250 } });
    expect((await crmCall(sim, '/crm/v3/objects/contacts/1')).status).toBe(404);
    expect((await crmCall(sim, '/crm/v3/objects/contacts/1')).status).toBe(429);
    await sleep(260 - sim.stats().uptimeMs);
    expect((await crmCall(sim, '/crm/v3/objects/contacts/1')).status).toBe(404);
  });

  it('counts no quota for a refused request', async () => {
    sim = await startCrmSimulator({ rateLimit: { max: 1, intervalMs: 5000 }, dailyLimit: { max: 10 } });
    await crmCall(sim, '/crm/v3/objects/contacts/1');
    for (let i = 0; i < 3; i++) expect((await crmCall(sim, '/crm/v3/objects/contacts/1')).status).toBe(429);
    expect(sim.stats().limits.daily.used).toBe(1);
    expect(sim.stats().rateLimited).toBe(3);
  });
});
