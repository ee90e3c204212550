import { afterEach, describe, expect, it } from 'vitest';
import { crmCall, eqSearch, taskProperties } from '../../test/crmTestSupport.ts';
import { sleep } from '../../test/testSupport.ts';
import { type CrmSimulator, type CrmSimulatorOptions, startCrmSimulator } from './startCrmSimulator.ts';

interface SearchBody {
  total: number;
  results: { id: string; properties: Record<string, string | null> }[];
  paging?: { next: { after: string } };
}

describe('CRM search', () => {
  let sim: CrmSimulator | undefined;
  const start = async (options: CrmSimulatorOptions) => {
    sim = await startCrmSimulator({ seed: 41, ...options });
    return sim;
  };
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('hides a just-created record until the indexing lag has passed', async () => {
    const crm = await start({ indexingLagMs: 250 });
    const created = await crmCall(crm, '/crm/v3/objects/tasks', 'POST', {
      properties: taskProperties('k-1'),
    });
    expect(created.status).toBe(201);
    const early = await eqSearch(crm, 'tasks', 'tollgate_key', 'k-1');
    expect((early.body as SearchBody).total).toBe(0);
    // The read endpoint is consistent at once; only search lags.
    const id = (created.body as { id: string }).id;
    expect((await crmCall(crm, `/crm/v3/objects/tasks/${id}`)).status).toBe(200);
    await sleep(280);
    const late = await eqSearch(crm, 'tasks', 'tollgate_key', 'k-1');
    expect(late.body).toMatchObject({ total: 1, results: [{ id, properties: { tollgate_key: 'k-1' } }] });
  });

  it('reproduces the search-then-create race: two workers both miss, both create, two tasks', async () => {
    const crm = await start({ indexingLagMs: 300 });
    const worker = async () => {
      const found = await eqSearch(crm, 'tasks', 'tollgate_key', 'race');
      if ((found.body as SearchBody).total === 0) {
        await crmCall(crm, '/crm/v3/objects/tasks', 'POST', { properties: taskProperties('race') });
      }
    };
    await worker();
    await worker();
    expect(crm.stats().duplicates.tasks.tollgate_key).toBe(1);
  });

  it('serves stale properties during the lag after an update', async () => {
    const crm = await start({ indexingLagMs: 200 });
    const upsert = (name: string) =>
      crmCall(crm, '/crm/v3/objects/companies/batch/upsert', 'POST', {
        inputs: [{ id: 'acme.com', idProperty: 'tollgate_domain', properties: { name } }],
      });
    await upsert('Acme');
    await sleep(230);
    await upsert('Acme Renamed');
    const stale = await crmCall(crm, '/crm/v3/objects/companies/search', 'POST', { properties: ['name'] });
    expect((stale.body as SearchBody).results[0]?.properties.name).toBe('Acme');
    await sleep(230);
    const fresh = await crmCall(crm, '/crm/v3/objects/companies/search', 'POST', { properties: ['name'] });
    expect((fresh.body as SearchBody).results[0]?.properties.name).toBe('Acme Renamed');
  });

  it('pages with the after cursor and refuses a page larger than 200', async () => {
    const crm = await start({ indexingLagMs: 0 });
    const inputs = Array.from({ length: 25 }, (_, i) => ({ id: `p${i}@example.com`, idProperty: 'email' }));
    await crmCall(crm, '/crm/v3/objects/contacts/batch/upsert', 'POST', { inputs });
    const page1 = (await crmCall(crm, '/crm/v3/objects/contacts/search', 'POST', { limit: 20 }))
      .body as SearchBody;
    expect(page1.total).toBe(25);
    expect(page1.results).toHaveLength(20);
    const after = page1.paging?.next.after;
    expect(after).toBe('20');
    const page2 = (await crmCall(crm, '/crm/v3/objects/contacts/search', 'POST', { limit: 20, after }))
      .body as SearchBody;
    expect(page2.results).toHaveLength(5);
    expect(page2.paging).toBeUndefined();
    const ids = new Set([...page1.results, ...page2.results].map((r) => r.id));
    expect(ids.size).toBe(25);
    const tooBig = await crmCall(crm, '/crm/v3/objects/contacts/search', 'POST', { limit: 201 });
    expect(tooBig.status).toBe(400);
    const pastCap = await crmCall(crm, '/crm/v3/objects/contacts/search', 'POST', { after: '10000' });
    expect(pastCap.status).toBe(400);
  });

  it('ORs filter groups and ANDs the filters inside one', async () => {
    const crm = await start({ indexingLagMs: 0 });
    await crmCall(crm, '/crm/v3/objects/contacts/batch/upsert', 'POST', {
      inputs: [
        { id: 'a@x.com', idProperty: 'email', properties: { lifecyclestage: 'lead', country: 'de' } },
        { id: 'b@x.com', idProperty: 'email', properties: { lifecyclestage: 'lead', country: 'fr' } },
        { id: 'c@x.com', idProperty: 'email', properties: { lifecyclestage: 'customer', country: 'fr' } },
      ],
    });
    const answer = await crmCall(crm, '/crm/v3/objects/contacts/search', 'POST', {
      filterGroups: [
        {
          filters: [
            { propertyName: 'lifecyclestage', operator: 'EQ', value: 'LEAD' },
            { propertyName: 'country', operator: 'EQ', value: 'de' },
          ],
        },
        { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ', value: 'customer' }] },
      ],
      properties: ['email'],
    });
    expect((answer.body as SearchBody).results.map((r) => r.properties.email)).toEqual([
      'a@x.com',
      'c@x.com',
    ]);
  });

  it('answers 429 SECONDLY past the search limit while other endpoints still work', async () => {
    const crm = await start({ indexingLagMs: 0, searchRateLimit: { max: 3, intervalMs: 1000 } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await eqSearch(crm, 'contacts', 'email', 'x@y.com')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await eqSearch(crm, 'contacts', 'email', 'x@y.com');
    expect(limited.body).toMatchObject({ status: 'error', category: 'RATE_LIMITS', policyName: 'SECONDLY' });
    expect((await crmCall(crm, '/crm/v3/objects/contacts/1')).status).toBe(404);
  });
});
