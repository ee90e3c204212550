import { InvalidInputError } from '@tollgate/core';
import type { HubSpotHttp } from './hubspotHttp.ts';
import { type ApiObject, type SearchBody, type SearchPage, searchSchema } from './hubspotSchemas.ts';

/** HubSpot's search never pages past this many results. */
export const SEARCH_CAP = 10_000;
const SEARCH_PAGE = 200; // HubSpot's largest search page
// A long scan paces itself under the search endpoints' 5 requests per second instead of meeting 429s.
const PAGE_SPACING_MS = 220;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Oldest first: HubSpot ids grow with creation, and search can both sort and filter on them. */
export const BY_ID: NonNullable<SearchBody['sorts']> = [
  { propertyName: 'hs_object_id', direction: 'ASCENDING' },
];
export const byHubSpotId = (a: { id: string }, b: { id: string }) => Number(a.id) - Number(b.id);

/** One `POST /crm/v3/objects/{type}/search`. */
export function searchPage(http: HubSpotHttp, type: string, body: SearchBody): Promise<SearchPage> {
  return http.send({ method: 'POST', path: `/crm/v3/objects/${type}/search`, body, schema: searchSchema });
}

/**
 * Up to `max` matches in HubSpot id order, following HubSpot's own paging. Asked for everything
 * (`max` at the cap), it refuses a filter matching more than HubSpot can page through rather than
 * return a silently truncated list.
 */
export async function searchAll(
  http: HubSpotHttp,
  type: string,
  filterGroups: SearchBody['filterGroups'],
  properties: readonly string[],
  max: number,
): Promise<ApiObject[]> {
  const out: ApiObject[] = [];
  let after: string | undefined;
  do {
    if (after !== undefined) await sleep(PAGE_SPACING_MS);
    const page = await searchPage(http, type, {
      filterGroups,
      properties,
      sorts: BY_ID,
      limit: Math.min(SEARCH_PAGE, max - out.length),
      ...(after === undefined ? {} : { after }),
    });
    if (max >= SEARCH_CAP && page.total > SEARCH_CAP) {
      throw new InvalidInputError(
        `The filter matches ${page.total} ${type}; HubSpot's search returns at most ${SEARCH_CAP}.`,
        {
          hint: 'Narrow the filter (for example by domain or status) and call again.',
          details: { issues: [{ path: 'filter', message: 'too many matches' }] },
        },
      );
    }
    out.push(...page.results);
    // An empty page that still offers a next one would loop forever; stop there.
    after = page.results.length === 0 ? undefined : page.paging?.next?.after;
  } while (after !== undefined && out.length < max);
  return out;
}
