import type { CrmSimulator } from '../src/crm/startCrmSimulator.ts';
import { type Answer, call, postJson } from './testSupport.ts';

/** Calls the CRM simulator with its valid token; for this package's tests. */
export function crmCall(sim: CrmSimulator, path: string, method = 'GET', body?: unknown): Promise<Answer> {
  const auth = { authorization: `Bearer ${sim.token}` };
  if (body === undefined) return call(sim.url, path, { method, headers: auth });
  return call(sim.url, path, { ...postJson(body, auth), method });
}

/** A search with one EQ filter. */
export function eqSearch(
  sim: CrmSimulator,
  type: string,
  propertyName: string,
  value: string,
): Promise<Answer> {
  return crmCall(sim, `/crm/v3/objects/${type}/search`, 'POST', {
    filterGroups: [{ filters: [{ propertyName, operator: 'EQ', value }] }],
    properties: [propertyName],
  });
}

export const taskProperties = (key: string) => ({
  hs_task_subject: 'Research this account by hand',
  hs_timestamp: '2026-11-24T09:00:00.000Z',
  tollgate_key: key,
});
