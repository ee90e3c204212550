import type { ToolError } from '@tollgate/core';
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

/** What a create_task answers: the task made, or the open one of its kind that was already there. */
export interface CreatedTask {
  task: Task;
  /** True when nothing was made: `task` is the account's open task of that kind. */
  existing: boolean;
}

/** One item's answer in a batch: its value, or why that item alone failed. */
export type ItemResult<T> = T | ToolError;

/**
 * Where the CRM's records live. The tools talk only to this interface, so the built-in SQL store
 * and an HTTP CRM (HubSpot-style) are interchangeable without touching a tool.
 */
export interface CrmAdapter {
  readonly kind: string;
  getAccount(domain: string): Promise<Account | null>;
  /** Creates or updates by domain; `created` tells which. */
  upsertAccount(input: AccountUpsert): Promise<{ account: Account; created: boolean }>;
  /** Creates or updates by email; `created` tells which. */
  upsertLead(input: LeadUpsert): Promise<{ lead: Lead; created: boolean }>;
  /** Leads matching the filter, ordered by email, after the given email. */
  searchLeads(filter: LeadFilter, after: string | undefined, limit: number): Promise<Lead[]>;
  /**
   * Creates a task, unless the account already has an open task of the same kind: then that task is
   * the answer, with `existing: true`, and nothing is made. `tx` is the transaction the gate opened
   * for this call, present when the effect can commit together with its idempotency record (a local store).
   */
  createTask(input: TaskInput, tx: Queryable | undefined): Promise<CreatedTask>;
  /**
   * For adapters whose effects live upstream: find the task an earlier attempt created with this
   * idempotency key. Its presence tells the gate to recover instead of trusting a transaction.
   */
  findTaskByKey?(key: string): Promise<Task | undefined>;
  /**
   * `findTaskByKey` for many keys, in their order, in as few requests as the CRM allows: how a batch
   * create's items that took over unfinished keys are recovered, all in one lookup.
   */
  findTasksByKeys?(keys: readonly string[]): Promise<(Task | undefined)[]>;
  /** The accounts of these domains, in their order; null where there is none. One request where the CRM allows it. */
  getAccounts(domains: readonly string[]): Promise<(Account | null)[]>;
  /** `upsertAccount` for each input, in order, in as few requests as the CRM allows. */
  upsertAccounts(
    inputs: readonly AccountUpsert[],
  ): Promise<ItemResult<{ account: Account; created: boolean }>[]>;
  /** `upsertLead` for each input, in order, in as few requests as the CRM allows. */
  upsertLeads(inputs: readonly LeadUpsert[]): Promise<ItemResult<{ lead: Lead; created: boolean }>[]>;
  /** `createTask` for each input, in order (each with its own key), in as few requests as the CRM allows. */
  createTasks(inputs: readonly TaskInput[], tx: Queryable | undefined): Promise<ItemResult<CreatedTask>[]>;
  /** Tasks matching the filter, oldest first, after the task with the given id. */
  listTasks(filter: TaskFilter, after: string | undefined, limit: number): Promise<Task[]>;
  listOwners(): Promise<Owner[]>;
  /**
   * For adapters whose records live upstream: the server's own store, given once at start, for the
   * state that must outlive the process or be shared with its replicas (HubSpot: the tasks made
   * lately, which its lagging search does not show yet). Migrated with crmMigrations.
   */
  attachStore?(store: Database): void;
  close(): Promise<void>;
}
