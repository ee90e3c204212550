import {
  InvalidInputError,
  isToolError,
  type ToolError,
  UpstreamContractViolationError,
} from '@tollgate/core';
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
  openTasksFilterGroups,
  SEARCH_GROUP_LIMIT,
  SEARCH_IN_LIMIT,
  TASK_PROPERTIES,
  TASK_TO_COMPANY,
  taskFilterGroups,
  taskProperties,
  toAccount,
  toLead,
  toTask,
} from './hubspotMapping.ts';
import {
  type ApiObject,
  apiObjectSchema,
  batchCreateSchema,
  batchReadSchema,
  batchUpsertSchema,
  type ErrorEnvelope,
} from './hubspotSchemas.ts';
import { byHubSpotId, SEARCH_CAP, searchAll } from './hubspotSearch.ts';
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
  /** How long task recovery (findTasksByKeys) keeps searching for tasks the search index has not caught up with; default 3000. */
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
 * consistent. Task recovery (findTasksByKeys) has to search, so it polls for a short window; the
 * one-open-task rule of createTasks searches too (see there for what the lag leaves open).
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

  /** One task, as a batch of one (see createTasks): its classified failure is thrown. */
  async createTask(input: TaskInput, tx: Queryable | undefined): Promise<CreatedTask> {
    const [answer] = await this.createTasks([input], tx);
    if (answer === undefined) {
      throw new UpstreamContractViolationError('The batch create answered nothing for the task.');
    }
    if (isToolError(answer)) throw answer;
    return answer;
  }

  /**
   * One open task per (account, kind), for a whole batch in a fixed number of requests: one search
   * for the open tasks of all the batch's (account, kind) slots (one per 100 slots, HubSpot's cap on
   * an `IN` filter's values), one `batch/read` by id of the tasks made lately that search does not
   * show yet, one companies `batch/read` by `tollgate_domain` to associate the new tasks with their
   * companies, and one tasks `batch/create` (100 inputs a request) for the slots with no open task.
   * Items of one slot answer as creates in sequence would: the first makes the task, the rest get
   * it with `existing: true`. The effect is upstream, so `tx` is ignored; the gate leases each key
   * and recovers with findTasksByKeys.
   *
   * Each task is associated with its account's company (type 192, task to company), so it shows on
   * the company's record. A task whose domain has no company in HubSpot is still made, unassociated:
   * the task is the work item, and the company may be made later by hand.
   *
   * HubSpot has no unique constraint to enforce the rule with, and its search lags writes by
   * seconds. Creates of one (account, kind) run one at a time (a batch holds all its slots) and a
   * task made lately is found by id until search shows it (OpenTaskGuard): in this process, and,
   * once the server attached its store, in every process on that store (replicas on one Postgres,
   * or a restart). What stays open: server processes on different stores creating for the same
   * account and kind within the lag, and a create whose answer was lost followed by one under a
   * new key; and a task completed in HubSpot moments ago may still look open to search, so a create
   * then answers it as existing. A retry under the same key is still safe: the gate's key store
   * serializes it, and its recovery polls findTasksByKeys for the tasks an unfinished attempt made.
   */
  async createTasks(
    inputs: readonly TaskInput[],
    _tx: Queryable | undefined,
  ): Promise<ItemResult<CreatedTask>[]> {
    if (inputs.length === 0) return [];
    return this.#openTasks.serializeMany(inputs.map(slotOf), async (q) => {
      const open = await this.#findOpenTasks(inputs, q);
      const answers: (ItemResult<CreatedTask> | undefined)[] = new Array(inputs.length);
      let pending: number[] = [];
      inputs.forEach((input, index) => {
        const task = open.get(slotOf(input));
        if (task === undefined) pending.push(index);
        else answers[index] = { task, existing: true };
      });
      let companies: Map<string, string> | undefined;
      while (pending.length > 0) {
        // The first item of each slot creates; the others wait for its answer. A key goes into a
        // request once (the results are matched to the inputs by it).
        const slots = new Set<string>();
        const keys = new Set<string>();
        const round = pending.filter((index) => {
          const input = inputs[index] as TaskInput;
          const slot = slotOf(input);
          if (slots.has(slot) || keys.has(input.idempotency_key)) return false;
          slots.add(slot);
          keys.add(input.idempotency_key);
          return true;
        });
        companies ??= await this.#companyIds(pending.map((index) => (inputs[index] as TaskInput).domain));
        const made = await this.#createMany(
          round.map((index) => inputs[index] as TaskInput),
          companies,
        );
        const remembered: { slot: string; id: string }[] = [];
        round.forEach((index, i) => {
          const result = made[i] as ItemResult<Task>;
          if (isToolError(result)) {
            answers[index] = result;
            return;
          }
          answers[index] = { task: result, existing: false };
          const slot = slotOf(inputs[index] as TaskInput);
          open.set(slot, result);
          remembered.push({ slot, id: result.id });
        });
        await this.#openTasks.rememberMany(remembered, q);
        // The slot's task is made: the rest of its items answer it. A slot whose create failed
        // tries again with its next item, as the next create in sequence would.
        pending = pending.filter((index) => {
          if (answers[index] !== undefined) return false;
          const task = open.get(slotOf(inputs[index] as TaskInput));
          if (task === undefined) return true;
          answers[index] = { task, existing: true };
          return false;
        });
      }
      return answers as ItemResult<CreatedTask>[];
    });
  }

  /**
   * The oldest open task of each of the inputs' slots: by search (as few as HubSpot's caps allow:
   * one per 100 slots), else one made lately, read consistently with one `batch/read` by id.
   */
  async #findOpenTasks(inputs: readonly TaskInput[], q: Queryable | undefined): Promise<Map<string, Task>> {
    const wanted = new Map(
      inputs.map((input) => [slotOf(input), { domain: input.domain, kind: input.kind }]),
    );
    const found = new Map<string, Task>();
    for (const chunk of chunks([...wanted.values()], SEARCH_IN_LIMIT)) {
      for (const groups of chunks(openTasksFilterGroups(chunk), SEARCH_GROUP_LIMIT)) {
        const objects = await searchAll(this.#http, 'tasks', groups, TASK_PROPERTIES, SEARCH_CAP);
        for (const object of objects.sort(byHubSpotId)) {
          // Search text matching ignores case; domains are stored normalized, so compare exactly.
          const slot = `${object.properties.tollgate_domain}\n${object.properties.tollgate_kind}`;
          if (!wanted.has(slot) || found.has(slot)) continue;
          const task = toTask(object);
          if (task.status === 'open') found.set(slot, task);
        }
      }
    }
    const unseen = [...wanted.keys()].filter((slot) => !found.has(slot));
    const recent = await this.#openTasks.recentMany(unseen, q);
    if (recent.size === 0) return found;
    const tasks = await this.#readTasks([...new Set(recent.values())]);
    const stale: string[] = [];
    for (const [slot, id] of recent) {
      const task = tasks.get(id);
      const { domain, kind } = wanted.get(slot) as { domain: string; kind: TaskInput['kind'] };
      // What the store remembers is trusted only for what HubSpot says of the task itself.
      if (task?.status === 'open' && task.domain === domain && task.kind === kind) found.set(slot, task);
      else stale.push(slot);
    }
    await this.#openTasks.forgetMany(stale, q);
    return found;
  }

  /** Tasks by HubSpot id, 100 a `batch/read`; a task HubSpot no longer has is absent. */
  async #readTasks(ids: readonly string[]): Promise<Map<string, Task>> {
    const tasks = new Map<string, Task>();
    for (const chunk of chunks(ids, BATCH_LIMIT)) {
      const answer = await this.#http.send({
        method: 'POST',
        path: '/crm/v3/objects/tasks/batch/read',
        body: { inputs: chunk.map((id) => ({ id })), properties: TASK_PROPERTIES },
        schema: batchReadSchema,
        ok: [200, 207],
      });
      for (const error of answer.errors ?? []) {
        if (error.category !== 'OBJECT_NOT_FOUND') throw errorFromBatchItem(error);
      }
      for (const object of answer.results) tasks.set(object.id, toTask(object));
    }
    return tasks;
  }

  /** The HubSpot ids of the domains' companies, 100 domains a `batch/read`; a domain with none is absent. */
  async #companyIds(domains: readonly string[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const chunk of chunks([...new Set(domains)], BATCH_LIMIT)) {
      const answer = await this.#http.send({
        method: 'POST',
        path: '/crm/v3/objects/companies/batch/read',
        body: { idProperty: COMPANY_KEY, inputs: chunk.map((id) => ({ id })), properties: [COMPANY_KEY] },
        schema: batchReadSchema,
        ok: [200, 207],
      });
      for (const error of answer.errors ?? []) {
        if (error.category !== 'OBJECT_NOT_FOUND') throw errorFromBatchItem(error);
      }
      for (const object of answer.results) {
        const domain = object.properties[COMPANY_KEY];
        if (domain) ids.set(domain, object.id);
      }
    }
    return ids;
  }

  /**
   * The tasks made, one per input, with `batch/create` (100 a request), each associated with its
   * company when there is one. Every input carries an `objectWriteTraceId` (its place in the
   * request), which is what lets HubSpot answer a partial failure with 207 rather than fail every
   * input; results come in no promised order, so each is matched to its input by the
   * `tollgate_key` it carries, and each error by the trace id it names. A failure of the whole
   * request throws, as the other batch methods do.
   */
  async #createMany(inputs: readonly TaskInput[], companies: ReadonlyMap<string, string>) {
    const answers: ItemResult<Task>[] = [];
    const now = new Date();
    for (const chunk of chunks(inputs, BATCH_LIMIT)) {
      const answer = await this.#http.send({
        method: 'POST',
        path: '/crm/v3/objects/tasks/batch/create',
        body: {
          inputs: chunk.map((input, i) => {
            const company = companies.get(input.domain);
            return {
              properties: taskProperties(input, now),
              associations:
                company === undefined
                  ? []
                  : [
                      {
                        to: { id: company },
                        types: [
                          { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: TASK_TO_COMPANY },
                        ],
                      },
                    ],
              objectWriteTraceId: String(i),
            };
          }),
        },
        schema: batchCreateSchema,
        ok: [200, 201, 207],
      });
      const results = new Map<string, ApiObject>();
      for (const result of answer.results) {
        const key = result.properties.tollgate_key;
        if (key) results.set(key, result);
        else if (result.objectWriteTraceId !== undefined) {
          const input = chunk[Number(result.objectWriteTraceId)];
          if (input !== undefined) results.set(input.idempotency_key, result);
        }
      }
      const errors = new Map<string, ErrorEnvelope>();
      for (const error of answer.errors ?? []) {
        for (const trace of error.context?.objectWriteTraceId ?? []) errors.set(trace, error);
      }
      chunk.forEach((input, i) => {
        const result = results.get(input.idempotency_key);
        const error = errors.get(String(i));
        answers.push(
          result !== undefined
            ? toTask(result)
            : error !== undefined
              ? errorFromBatchItem(error)
              : new UpstreamContractViolationError(
                  "HubSpot's tasks batch create answered neither a result nor an error for a task.",
                  { details: { domain: input.domain, kind: input.kind } },
                ),
        );
      });
    }
    return answers;
  }

  /** The task an earlier attempt made with this idempotency key: findTasksByKeys for one key. */
  async findTaskByKey(key: string): Promise<Task | undefined> {
    return (await this.findTasksByKeys([key]))[0];
  }

  /**
   * The tasks earlier attempts made with these idempotency keys, in their order (the oldest task of
   * a key). Tasks have no unique property to read by, so this must search (`tollgate_key IN`, 100
   * keys a search), and a task created a moment ago (a lost answer, then an immediate retry) may not
   * be indexed yet. Rather than keep state across calls (which a restart or a second replica would
   * lose), it searches again for a short window for the keys not found yet, once for all of them,
   * before answering "never made". Cost: a recovery where something was never made waits the whole
   * window (once, however many keys). A lag longer than the window can still yield a duplicate.
   */
  async findTasksByKeys(keys: readonly string[]): Promise<(Task | undefined)[]> {
    const wanted = [...new Set(keys)];
    const found = new Map<string, Task>();
    const deadline = Date.now() + this.#recoveryWindowMs;
    while (wanted.length > 0) {
      // A search that fails retryably (a 5xx, the search limit's 429) is asked again on the next
      // poll: one failed poll among several must not fail the recovery. Only the last poll of the
      // window must have answered for "never made" to be the answer.
      let failed: ToolError | undefined;
      try {
        for (const chunk of chunks(
          wanted.filter((key) => !found.has(key)),
          SEARCH_IN_LIMIT,
        )) {
          const asked = new Set(chunk);
          const objects = await searchAll(
            this.#http,
            'tasks',
            [{ filters: [{ propertyName: 'tollgate_key', operator: 'IN', values: chunk }] }],
            TASK_PROPERTIES,
            SEARCH_CAP,
          );
          for (const object of objects.sort(byHubSpotId)) {
            // Search text matching ignores case; idempotency keys do not.
            const key = object.properties.tollgate_key;
            if (key && asked.has(key) && !found.has(key)) found.set(key, toTask(object));
          }
        }
      } catch (error) {
        if (!isToolError(error) || !error.retryable) throw error;
        failed = error;
      }
      if (found.size === wanted.length) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        if (failed !== undefined) throw failed;
        break;
      }
      await sleep(Math.min(Math.max(RECOVERY_POLL_MS, failed?.retryAfterMs ?? 0), left));
    }
    return keys.map((key) => found.get(key));
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

/** A task's (account, kind): what the one-open-task rule is about. */
const slotOf = (input: { domain: string; kind: string }) => `${input.domain}\n${input.kind}`;
