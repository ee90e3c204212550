import { InvalidInputError, RateLimitedError } from '@tollgate/core';
import type { HubSpotHttp } from './hubspotHttp.ts';
import { type ApiObject, type SearchBody, type SearchPage, searchSchema } from './hubspotSchemas.ts';

/** HubSpot's search never pages past this many results. */
export const SEARCH_CAP = 10_000;
const SEARCH_PAGE = 200; // HubSpot's largest search page
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * HubSpot's search endpoints allow 5 requests per second per account, apart from the general
 * limit the caller paces itself to. The server knows that limit and the caller cannot (a
 * create_task may search first, an upsert never does), so the server spaces its own searches:
 * one start per 220 ms, never 5 in any rolling second. When the queue is longer than `maxWaitMs`
 * it answers `rate_limited` with the wait, without sending anything.
 */
export class SearchPacer {
  #next = 0;

  constructor(
    readonly spacingMs = 220,
    readonly maxWaitMs = 5_000,
    readonly now: () => number = Date.now,
  ) {}

  async turn(): Promise<void> {
    const now = this.now();
    const at = Math.max(now, this.#next);
    const wait = at - now;
    if (wait > this.maxWaitMs) {
      throw new RateLimitedError(
        'HubSpot search allows 5 requests per second, and this server has a queue of them.',
        {
          retryAfterMs: wait,
        },
      );
    }
    this.#next = at + this.spacingMs;
    if (wait > 0) await sleep(wait);
  }
}

/** One pacer per HubSpot client: the limit is per account, and one client holds one token. */
const pacers = new WeakMap<HubSpotHttp, SearchPacer>();
function pacerFor(http: HubSpotHttp): SearchPacer {
  let pacer = pacers.get(http);
  if (pacer === undefined) {
    pacer = new SearchPacer();
    pacers.set(http, pacer);
  }
  return pacer;
}

/** Oldest first: HubSpot ids grow with creation, and search can both sort and filter on them. */
export const BY_ID: NonNullable<SearchBody['sorts']> = [
  { propertyName: 'hs_object_id', direction: 'ASCENDING' },
];
export const byHubSpotId = (a: { id: string }, b: { id: string }) => Number(a.id) - Number(b.id);

/** One `POST /crm/v3/objects/{type}/search`, in its turn under the search limit. */
export async function searchPage(http: HubSpotHttp, type: string, body: SearchBody): Promise<SearchPage> {
  await pacerFor(http).turn();
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
