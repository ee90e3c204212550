import { type CrmSimulator, startCrmSimulator } from '@tollgate/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSpotAdapter, SHARED_SIMULATOR } from '../../test/crmTestVariants.ts';
import { SearchPacer } from './hubspotSearch.ts';

const COUNT = 401; // more than two of HubSpot's 200-result search pages

describe('HubSpot search behind search_leads', () => {
  let sim: CrmSimulator;
  beforeAll(async () => {
    sim = await startCrmSimulator(SHARED_SIMULATOR);
    // Created in reverse email order, so HubSpot's id order is the opposite of the order promised.
    const emails = Array.from(
      { length: COUNT },
      (_, i) => `l${String(COUNT - 1 - i).padStart(3, '0')}@acme.com`,
    );
    for (let start = 0; start < COUNT; start += 100) {
      const inputs = emails.slice(start, start + 100).map((email, i) => ({
        id: email,
        idProperty: 'email',
        properties: { tollgate_domain: 'acme.com', tollgate_score: String((start + i) % 100) },
      }));
      const answer = await fetch(new URL('/crm/v3/objects/contacts/batch/upsert', sim.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ inputs }),
      });
      expect(answer.status).toBe(200);
    }
  });
  afterAll(() => sim.close());

  it('reads every match across HubSpot’s pages and pages by email, never skipping or repeating one', async () => {
    const adapter = hubSpotAdapter(sim);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const before = sim.stats().requests;
      const page = await adapter.searchLeads({ domain: 'acme.com' }, after, 151);
      expect(sim.stats().requests - before).toBe(3);
      seen.push(...page.slice(0, 150).map((lead) => lead.email));
      if (page.length <= 150) break;
      after = page[149]?.email;
    }
    const expected = Array.from({ length: COUNT }, (_, i) => `l${String(i).padStart(3, '0')}@acme.com`);
    expect(seen).toEqual(expected);
  });

  it('lets HubSpot apply the filter, so a narrow one costs one search', async () => {
    const before = sim.stats().requests;
    const leads = await hubSpotAdapter(sim).searchLeads({ min_score: 98 }, undefined, 1000);
    expect(sim.stats().requests - before).toBe(1);
    expect(leads.map((lead) => lead.score).sort()).toEqual([98, 98, 98, 98, 99, 99, 99, 99]);
  });
});

describe('SearchPacer', () => {
  it('spaces searches so no rolling second holds more than five', async () => {
    const pacer = new SearchPacer(220, 5_000);
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        await pacer.turn();
        starts.push(Date.now());
      }),
    );
    starts.sort((a, b) => a - b);
    for (let i = 5; i < starts.length; i++) {
      expect((starts[i] as number) - (starts[i - 5] as number)).toBeGreaterThanOrEqual(1_000);
    }
  });

  it('answers rate_limited with the wait, instead of queueing past its limit', async () => {
    let clock = 0;
    const pacer = new SearchPacer(220, 500, () => clock);
    const queued = [pacer.turn(), pacer.turn(), pacer.turn()]; // starts at 0, 220, 440
    const refused = await pacer.turn().catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'rate_limited', retryAfterMs: 660 });
    clock = 10_000;
    await Promise.all(queued);
  });
});
