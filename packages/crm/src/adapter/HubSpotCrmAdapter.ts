import { InvalidInputError, isToolError, UpstreamContractViolationError } from '@tollgate/core';
import type { Database, Queryable } from '@tollgate/core/store';
import type {
  Account,
  AccountUpsert,
  Lead,
  LeadFilter,
  LeadUpsert,
  Owner,
  Task,
  TaskFilter,
  TaskInput,
} from '../schemas.ts';
import type { CreatedTask, CrmAdapter, ItemResult } from './CrmAdapter.ts';
import { errorFromBatchItem } from './hubspotErrors.ts';
import { HubSpotHttp } from './hubspotHttp.ts';
import {
  COMPANY_KEY,
  COMPANY_PROPERTIES,
  CONTACT_PROPERTIES,
  companyProperties,
  contactProperties,
  DEFAULT_OWNERS,
  leadFilterGroups,
  openTaskFilterGroups,
  TASK_PROPERTIES,
  taskFilterGroups,
  taskProperties,
  toAccount,
  toLead,
  toTask,
} from './hubspotMapping.ts';
import { type ApiObject, apiObjectSchema, batchReadSchema, batchUpsertSchema } from './hubspotSchemas.ts';
import { BY_ID, byHubSpotId, SEARCH_CAP, searchAll, searchPage } from './hubspotSearch.ts';
import { OpenTaskGuard } from './OpenTaskGuard.ts';

/** Settings of {@link HubSpotCrmAdapter}. */
export interface HubSpotCrmOptions {
  /** API base URL: https://api.hubapi.com, or a simulator's. */
  url: string | URL;
  /** The server's own private-app token; never a caller's. Pass it to the server's `secrets` too. */
  token: string;
  /** Per-request deadline in milliseconds; default 10 000. */
  timeoutMs?: number;
  /** How requests are sent; default the global `fetch`. */
  fetch?: typeof fetch;
  /** The owners list_owners reports and owner_id accepts; default the built-in store's demo owners. */
  owners?: readonly Owner[];
  /** How long findTaskByKey keeps searching for a task the search index has not caught up with; default 3000. */
  recoveryWindowMs?: number;
  /** How long a task this server made is found by id while search may not show it yet; default 60 000. */
  openTaskMemoryMs?: number;
}

const RECOVERY_POLL_MS = 400; // stays under the search endpoints' 5 requests per second
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The CRM's records in a HubSpot portal (CRM v3 API), with the server's private-app token.
 *
 * Accounts are companies upserted by the unique custom property `tollgate_domain`; leads are
 * contacts upserted by `email`; tasks are task objects carrying `tollgate_key` (the idempotency key),
 * `tollgate_domain` and `tollgate_kind` (see hubspotMapping.ts for every property). Owners are a
 * configured list: the v3 API's owners endpoint is not modelled by the simulator.
 *
 * HubSpot's search lags behind writes by seconds: search_leads and list_tasks may miss a record
 * written a moment ago, or show its previous values. Reads by key (get_account) and writes are
 * consistent. Task recovery (findTaskByKey) has to search, so it polls for a short window; the
 * one-open-task rule of createTask searches too (see there for what the lag leaves open).
 */
export class HubSpotCrmAdapter implements CrmAdapter {
  readonly kind = 'hubspot';
  readonly #http: HubSpotHttp;
  readonly #owners: readonly Owner[];
  readonly #recoveryWindowMs: number;
  readonly #openTasks: OpenTaskGuard;

  constructor(options: HubSpotCrmOptions) {
    this.#http = new HubSpotHttp({
      url: options.url,
      token: options.token,
      timeoutMs: options.timeoutMs ?? 10_000,
      fetch: options.fetch,
    });
    this.#owners = options.owners ?? DEFAULT_OWNERS;
    this.#recoveryWindowMs = options.recoveryWindowMs ?? 3000;
    this.#openTasks = new OpenTaskGuard(options.openTaskMemoryMs ?? 60_000);
  }

  async getAccount(domain: string): Promise<Account | null> {
    const object = await this.#http.find({
      method: 'GET',
      path: `/crm/v3/objects/companies/${encodeURIComponent(domain)}`,
      query: { idProperty: COMPANY_KEY, properties: COMPANY_PROPERTIES.join(',') },
      schema: apiObjectSchema,
    });
    return object === undefined ? null : toAccount(object);
  }

  async upsertAccount(input: AccountUpsert): Promise<{ account: Account; created: boolean }> {
    if (input.owner_id != null && !this.#owners.some((owner) => owner.id === input.owner_id)) {
      throw new InvalidInputError(`owner_id "${input.owner_id}" is not a known owner.`, {
        hint: 'Call list_owners and use one of its ids, or pass null to leave the account unassigned.',
        details: { issues: [{ path: 'owner_id', message: 'unknown owner' }] },
      });
    }
    const { object, created } = await this.#upsert(
      'companies',
      COMPANY_KEY,
      input.domain,
      companyProperties(input),
      COMPANY_PROPERTIES,
    );
    return { account: toAccount(object), created };
  }

  async upsertLead(input: LeadUpsert): Promise<{ lead: Lead; created: boolean }> {
    const { object, created } = await this.#upsert(
      'contacts',
      'email',
      input.email,
      contactProperties(input),
      CONTACT_PROPERTIES,
    );
    return { lead: toLead(object), created };
  }

  /**
   * HubSpot's search pages with an opaque offset into one result set and has no range filter on
   * text, so "after this email" cannot be asked of it. Every match is read (200 a request, up to
   * HubSpot's 10 000) and ordered by email here: each page is correct, and costs one search per
   * 200 matches. Above 10 000 matches the filter is refused rather than silently cut short.
   */
  async searchLeads(filter: LeadFilter, after: string | undefined, limit: number): Promise<Lead[]> {
    const objects = await searchAll(
      this.#http,
      'contacts',
      leadFilterGroups(filter),
      CONTACT_PROPERTIES,
      SEARCH_CAP,
    );
    return objects
      .map(toLead)
      .filter((lead) => after === undefined || lead.email > after)
      .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0))
      .slice(0, limit);
  }

  /**
   * One open task per (account, kind): search for it, and create only when there is none. The effect
   * is upstream, so `tx` is ignored; the gate leases the key and recovers with findTaskByKey.
   *
   * HubSpot has no unique constraint to enforce this with, and its search lags writes by seconds.
   * Creates of one (account, kind) run one at a time and a task made lately is found by id until
   * search shows it (OpenTaskGuard): in this process, and, once the server attached its store, in
   * every process on that store (replicas on one Postgres, or a restart). What stays open: server
   * processes on different stores creating for the same account and kind within the lag, and a
   * create whose answer was lost followed by one under a new key; and a task completed in HubSpot
   * moments ago may still look open to search, so a create then answers it as existing. A retry under the same key is still safe: the gate's key store
   * serializes it, and its recovery polls findTaskByKey for the task an unfinished attempt made.
   */
  async createTask(input: TaskInput, _tx: Queryable | undefined): Promise<CreatedTask> {
    const slot = `${input.domain}\n${input.kind}`;
    return this.#openTasks.serialize(slot, async (q) => {
      const open = await this.#findOpenTask(input, slot, q);
      if (open !== undefined) return { task: open, existing: true };
      const object = await this.#http.send({
        method: 'POST',
        path: '/crm/v3/objects/tasks',
        body: { properties: taskProperties(input, new Date()) },
        schema: apiObjectSchema,
        ok: [200, 201],
      });
      const task = toTask(object);
      await this.#openTasks.remember(slot, task.id, q);
      return { task, existing: false };
    });
  }

  /** The oldest open task of the input's account and kind: by search, else one made lately. */
  async #findOpenTask(input: TaskInput, slot: string, q: Queryable | undefined): Promise<Task | undefined> {
    const page = await searchPage(this.#http, 'tasks', {
      filterGroups: openTaskFilterGroups(input.domain, input.kind),
      properties: TASK_PROPERTIES,
      sorts: BY_ID,
      limit: 10,
    });
    // Search text matching ignores case; domains are stored normalized, so compare exactly.
    const found = page.results
      .filter(
        (o) => o.properties.tollgate_domain === input.domain && o.properties.tollgate_kind === input.kind,
      )
      .sort(byHubSpotId)
      .map(toTask)
      .find((task) => task.status === 'open');
    if (found !== undefined) return found;
    const recent = await this.#openTasks.recent(slot, q);
    if (recent === undefined) return undefined;
    const object = await this.#http.find({
      method: 'GET',
      path: `/crm/v3/objects/tasks/${encodeURIComponent(recent)}`,
      query: { properties: TASK_PROPERTIES.join(',') },
      schema: apiObjectSchema,
    });
    const task = object === undefined ? undefined : toTask(object);
    // What the store remembers is trusted only for what HubSpot says of the task itself.
    if (task?.status === 'open' && task.domain === input.domain && task.kind === input.kind) return task;
    await this.#openTasks.forget(slot, q);
    return undefined;
  }

  /**
   * Tasks have no unique property to read by, so this must search, and a task created a moment ago
   * (a lost answer, then an immediate retry) may not be indexed yet. Rather than keep state across
   * calls (which a restart or a second replica would lose), it searches again for a short window
   * before answering "never made". Cost: a recovery where nothing was made waits the whole window.
   * A lag longer than the window can still yield a duplicate.
   */
  async findTaskByKey(key: string): Promise<Task | undefined> {
    const deadline = Date.now() + this.#recoveryWindowMs;
    for (;;) {
      const page = await searchPage(this.#http, 'tasks', {
        filterGroups: [{ filters: [{ propertyName: 'tollgate_key', operator: 'EQ', value: key }] }],
        properties: TASK_PROPERTIES,
        sorts: BY_ID,
        limit: 10,
      });
      // Search text matching ignores case; idempotency keys do not.
      const found = page.results.filter((object) => object.properties.tollgate_key === key).sort(byHubSpotId);
      if (found[0] !== undefined) return toTask(found[0]);
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await sleep(Math.min(RECOVERY_POLL_MS, left));
    }
  }

  /**
   * Oldest first is HubSpot id order (ids grow with creation), which search can both sort by and
   * filter on, so the page after a task is `hs_object_id > after`: one search per page.
   */
  async listTasks(filter: TaskFilter, after: string | undefined, limit: number): Promise<Task[]> {
    if (after !== undefined && !/^\d+$/.test(after)) {
      throw new InvalidInputError('The cursor cannot be used: it does not point at a HubSpot task.', {
        hint: 'Omit cursor to start over.',
        details: { issues: [{ path: 'cursor', message: 'not a HubSpot task id' }] },
      });
    }
    const objects = await searchAll(
      this.#http,
      'tasks',
      taskFilterGroups(filter, after),
      TASK_PROPERTIES,
      limit,
    );
    return objects.sort(byHubSpotId).slice(0, limit).map(toTask);
  }

  async listOwners(): Promise<Owner[]> {
    return this.#owners.map((owner) => ({ ...owner }));
  }

  /** Holds no connections of its own. */
  /** Remembers the tasks it made lately in the server's store, for every process on it (see createTask). */
  attachStore(store: Database): void {
    this.#openTasks.attachStore(store);
  }

  /**
   * `batch/read` by `tollgate_domain`, 100 domains a request. HubSpot answers the domains it has no
   * company for as one 207 error (`OBJECT_NOT_FOUND`): those are null, as get_account's 404 is.
   */
  async getAccounts(domains: readonly string[]): Promise<(Account | null)[]> {
    const found = new Map<string, Account>();
    for (const chunk of chunks([...new Set(domains)], BATCH_LIMIT)) {
      const answer = await this.#http.send({
        method: 'POST',
        path: '/crm/v3/objects/companies/batch/read',
        body: {
          idProperty: COMPANY_KEY,
          inputs: chunk.map((id) => ({ id })),
          properties: COMPANY_PROPERTIES,
        },
        schema: batchReadSchema,
        ok: [200, 207],
      });
      for (const error of answer.errors ?? []) {
        if (error.category !== 'OBJECT_NOT_FOUND') throw errorFromBatchItem(error);
      }
      for (const object of answer.results) {
        const account = toAccount(object);
        found.set(account.domain, account);
      }
    }
    return domains.map((domain) => found.get(domain) ?? null);
  }

  /** `batch/upsert` by `tollgate_domain`, 100 accounts a request; an unknown owner is refused first. */
  async upsertAccounts(inputs: readonly AccountUpsert[]) {
    const refused = inputs.map((input) =>
      input.owner_id != null && !this.#owners.some((owner) => owner.id === input.owner_id)
        ? new InvalidInputError(`owner_id "${input.owner_id}" is not a known owner.`, {
            hint: 'Call list_owners and use one of its ids, or pass null to leave the account unassigned.',
            details: { issues: [{ path: 'owner_id', message: 'unknown owner' }] },
          })
        : undefined,
    );
    const accepted = inputs.filter((_, i) => refused[i] === undefined);
    const written = await this.#upsertMany(
      'companies',
      COMPANY_KEY,
      accepted.map((input) => ({ id: input.domain, properties: companyProperties(input) })),
      COMPANY_PROPERTIES,
    );
    let next = 0;
    return inputs.map((_, i): ItemResult<{ account: Account; created: boolean }> => {
      const refusal = refused[i];
      if (refusal !== undefined) return refusal;
      const result = written[next++] as ItemResult<{ object: ApiObject; created: boolean }>;
      return isToolError(result) ? result : { account: toAccount(result.object), created: result.created };
    });
  }

  /** `batch/upsert` by `email`, 100 contacts a request. */
  async upsertLeads(inputs: readonly LeadUpsert[]) {
    const written = await this.#upsertMany(
      'contacts',
      'email',
      inputs.map((input) => ({ id: input.email, properties: contactProperties(input) })),
      CONTACT_PROPERTIES,
    );
    return written.map(
      (result): ItemResult<{ lead: Lead; created: boolean }> =>
        isToolError(result) ? result : { lead: toLead(result.object), created: result.created },
    );
  }

  /**
   * Many upserts in as few `batch/upsert` requests as HubSpot allows: 100 inputs each, and an id
   * only once per request (HubSpot refuses a batch naming one twice), so a repeated id goes into a
   * later request and its inputs apply in order. Each input's answer is found by its id: a result
   * carrying it, or an error naming it in `context.ids` (a 207). A result without every property the
   * tools read is read back, one `batch/read` for them all.
   */
  async #upsertMany(
    type: 'companies' | 'contacts',
    idProperty: string,
    inputs: readonly { id: string; properties: Record<string, string | number> }[],
    read: readonly string[],
  ): Promise<ItemResult<{ object: ApiObject; created: boolean }>[]> {
    const answers: ItemResult<{ object: ApiObject; created: boolean }>[] = new Array(inputs.length);
    let left = inputs.map((input, index) => ({ input, index }));
    while (left.length > 0) {
      const seen = new Set<string>();
      const round = left.filter(
        ({ input }) => !seen.has(input.id.toLowerCase()) && seen.add(input.id.toLowerCase()),
      );
      left = left.filter((entry) => !round.includes(entry));
      for (const chunk of chunks(round, BATCH_LIMIT)) {
        const answer = await this.#http.send({
          method: 'POST',
          path: `/crm/v3/objects/${type}/batch/upsert`,
          body: {
            inputs: chunk.map(({ input }) => ({ id: input.id, idProperty, properties: input.properties })),
          },
          schema: batchUpsertSchema,
          ok: [200, 207],
        });
        const results = new Map(
          answer.results.map((result) => [(result.properties[idProperty] ?? '').toLowerCase(), result]),
        );
        const errors = new Map<string, ReturnType<typeof errorFromBatchItem>>();
        for (const error of answer.errors ?? []) {
          for (const id of error.context?.ids ?? []) errors.set(id.toLowerCase(), errorFromBatchItem(error));
        }
        for (const { input, index } of chunk) {
          const key = input.id.toLowerCase();
          const result = results.get(key);
          answers[index] =
            result !== undefined
              ? { object: result, created: result.new }
              : (errors.get(key) ??
                new UpstreamContractViolationError(
                  `HubSpot's ${type} batch upsert answered neither a result nor an error for ${input.id}.`,
                ));
        }
      }
    }
    const incomplete = answers.flatMap((answer, index) =>
      isToolError(answer) || read.every((name) => name in answer.object.properties) ? [] : [index],
    );
    for (const chunk of chunks(incomplete, BATCH_LIMIT)) {
      const reread = await this.#http.send({
        method: 'POST',
        path: `/crm/v3/objects/${type}/batch/read`,
        body: {
          inputs: chunk.map((index) => ({ id: (answers[index] as { object: ApiObject }).object.id })),
          properties: read,
        },
        schema: batchReadSchema,
        ok: [200, 207],
      });
      const byId = new Map(reread.results.map((object) => [object.id, object]));
      for (const index of chunk) {
        const answer = answers[index] as { object: ApiObject; created: boolean };
        answers[index] = { object: byId.get(answer.object.id) ?? answer.object, created: answer.created };
      }
    }
    return answers;
  }

  /**
   * One create per task: each task's one-open-task check and its key's recovery go through
   * createTask. (HubSpot's tasks batch/create would make the tasks in one request, but the open-task
   * rule needs a search per account first, so it would save little.)
   */
  createTasks(inputs: readonly TaskInput[], tx: Queryable | undefined) {
    return eachItem(inputs, (input) => this.createTask(input, tx));
  }

  async close(): Promise<void> {}

  /**
   * A one-input batch upsert, so a repeated call leaves one record and `new` says which. HubSpot
   * echoes only some properties on writes, so the record is read back (consistently, by id) when
   * the echo lacks any property the caller will see.
   */
  async #upsert(
    type: 'companies' | 'contacts',
    idProperty: string,
    id: string,
    properties: Record<string, string | number>,
    read: readonly string[],
  ): Promise<{ object: ApiObject; created: boolean }> {
    const answer = await this.#http.send({
      method: 'POST',
      path: `/crm/v3/objects/${type}/batch/upsert`,
      body: { inputs: [{ id, idProperty, properties }] },
      schema: batchUpsertSchema,
      ok: [200, 207],
    });
    const result = answer.results[0];
    if (result === undefined) {
      const failed = answer.errors?.[0];
      throw failed === undefined
        ? new UpstreamContractViolationError(
            `HubSpot's ${type} upsert answered neither a result nor an error.`,
          )
        : errorFromBatchItem(failed);
    }
    if (read.every((name) => name in result.properties)) return { object: result, created: result.new };
    const object = await this.#http.send({
      method: 'GET',
      path: `/crm/v3/objects/${type}/${encodeURIComponent(result.id)}`,
      query: { properties: read.join(',') },
      schema: apiObjectSchema,
    });
    return { object, created: result.new };
  }
}

/** HubSpot's cap on inputs per batch request. */
const BATCH_LIMIT = 100;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One call per item, in order; a classified failure is that item's answer, anything else fails them all. */
async function eachItem<I, T>(inputs: readonly I[], run: (input: I) => Promise<T>): Promise<ItemResult<T>[]> {
  const results: ItemResult<T>[] = [];
  for (const input of inputs) {
    try {
      results.push(await run(input));
    } catch (error) {
      if (!isToolError(error)) throw error;
      results.push(error);
    }
  }
  return results;
}
