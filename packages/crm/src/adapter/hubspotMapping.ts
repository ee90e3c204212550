import { type ToolError, UpstreamContractViolationError } from '@tollgate/core';
import {
  type Account,
  type AccountUpsert,
  LEAD_STATUSES,
  type Lead,
  type LeadFilter,
  type LeadUpsert,
  type Owner,
  TASK_KINDS,
  type Task,
  type TaskFilter,
  type TaskInput,
} from '../schemas.ts';
import type { ApiObject, SearchFilter } from './hubspotSchemas.ts';

/*
 * Where each Tollgate field lives in HubSpot. Standard properties are used where HubSpot's has the
 * same meaning and accepts free values; the rest are custom `tollgate_*` properties the portal must
 * define: HubSpot's `industry` and `hs_lead_status` are enumerations with their own values, its
 * scores are computed, and companies are not unique by `domain`, so a unique `tollgate_domain`
 * (created with "unique values" on) is the upsert key.
 */

/** The unique company property that holds the normalized domain: the upsert key of accounts. */
export const COMPANY_KEY = 'tollgate_domain';

const COMPANY_FIELDS = {
  name: 'name',
  industry: 'tollgate_industry',
  employee_count: 'numberofemployees',
  annual_revenue: 'annualrevenue',
  country: 'country',
  score: 'tollgate_score',
  owner_id: 'hubspot_owner_id',
} as const satisfies Record<Exclude<keyof AccountUpsert, 'domain'>, string>;

const CONTACT_FIELDS = {
  first_name: 'firstname',
  last_name: 'lastname',
  title: 'jobtitle',
  status: 'tollgate_lead_status',
  score: 'tollgate_score',
} as const satisfies Record<Exclude<keyof LeadUpsert, 'email' | 'domain'>, string>;

/** What reads ask for: HubSpot returns only its default properties unless told which. */
export const COMPANY_PROPERTIES = [COMPANY_KEY, ...Object.values(COMPANY_FIELDS)];
/** The contact properties a lead is made of. */
export const CONTACT_PROPERTIES = ['email', 'tollgate_domain', ...Object.values(CONTACT_FIELDS)];
/** The task properties a Tollgate task is made of. */
export const TASK_PROPERTIES = [
  'tollgate_key',
  'tollgate_domain',
  'tollgate_kind',
  'hs_task_body',
  'hs_task_status',
  'hs_createdate',
];

/** HubSpot property → the tool argument it comes from, so a refused value names the caller's field. */
export const FIELD_OF_PROPERTY: Readonly<Record<string, string>> = {
  email: 'email',
  domain: 'domain',
  tollgate_domain: 'domain',
  ...Object.fromEntries(Object.entries(COMPANY_FIELDS).map(([field, property]) => [property, field])),
  ...Object.fromEntries(Object.entries(CONTACT_FIELDS).map(([field, property]) => [property, field])),
  hs_task_body: 'note',
  tollgate_kind: 'kind',
};

/**
 * The owners list_owners reports when none are configured: the built-in store's demo reps, so the
 * simulator and demos behave alike. A real portal configures its own (HubSpot's numeric owner ids,
 * from `GET /crm/v3/owners`, which the simulator does not serve).
 */
export const DEFAULT_OWNERS: readonly Owner[] = [
  { id: 'own_ada', name: 'Ada Park', email: 'ada.park@example.com', territory: 'NA West' },
  { id: 'own_bo', name: 'Bo Lindqvist', email: 'bo.lindqvist@example.com', territory: 'EMEA' },
  { id: 'own_chen', name: 'Chen Wei', email: 'chen.wei@example.com', territory: 'APAC' },
  { id: 'own_dara', name: 'Dara Okafor', email: 'dara.okafor@example.com', territory: 'NA East' },
];

type WireValue = string | number;
type Fields = Record<string, string | number | null | undefined>;

// Only the fields the caller sent are written; HubSpot clears a property set to the empty string.
function write(input: Fields, map: Record<string, string>, base: Record<string, WireValue>) {
  const out = { ...base };
  for (const [field, property] of Object.entries(map)) {
    const value = input[field];
    if (value !== undefined) out[property] = value ?? '';
  }
  return out;
}

/** The company properties an account upsert writes. */
export const companyProperties = (input: AccountUpsert) =>
  write(input, COMPANY_FIELDS, { domain: input.domain });

/** The contact properties a lead upsert writes (the email travels as the upsert id). */
export const contactProperties = (input: LeadUpsert) =>
  write(input, CONTACT_FIELDS, { tollgate_domain: input.domain });

/** The properties of a new task; `hs_timestamp` (the due date) is required by HubSpot. */
export function taskProperties(input: TaskInput, now: Date): Record<string, string> {
  return {
    tollgate_key: input.idempotency_key,
    tollgate_domain: input.domain,
    tollgate_kind: input.kind,
    hs_task_subject: `${input.kind.replace('_', ' ')}: ${input.domain}`,
    hs_task_body: input.note,
    hs_task_status: 'NOT_STARTED',
    hs_timestamp: now.toISOString(),
  };
}

class Reader {
  constructor(
    readonly type: string,
    readonly object: ApiObject,
  ) {}

  violation(property: string, what: string): ToolError {
    const value = this.object.properties[property];
    return new UpstreamContractViolationError(
      `HubSpot returned ${this.type} ${this.object.id} with ${property} = ${JSON.stringify(value ?? null)}, ` +
        `which is not ${what}.`,
      { details: { object_id: this.object.id, property } },
    );
  }

  text(property: string): string | null {
    const value = this.object.properties[property];
    return value === undefined || value === null || value === '' ? null : value;
  }

  required(property: string): string {
    const value = this.text(property);
    if (value === null) throw this.violation(property, 'set');
    return value;
  }

  number(property: string, integer = false): number | null {
    const value = this.text(property);
    if (value === null) return null;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || (integer && !Number.isInteger(parsed))) {
      throw this.violation(property, integer ? 'an integer' : 'a number');
    }
    return parsed;
  }

  oneOf<T extends string>(property: string, allowed: readonly T[]): T | null {
    const value = this.text(property);
    if (value === null) return null;
    if (!(allowed as readonly string[]).includes(value)) throw this.violation(property, allowed.join(', '));
    return value as T;
  }
}

/** A company as an account; a value of the wrong type is an upstream contract violation. */
export function toAccount(object: ApiObject): Account {
  const read = new Reader('company', object);
  return {
    domain: read.required(COMPANY_KEY),
    name: read.text(COMPANY_FIELDS.name),
    industry: read.text(COMPANY_FIELDS.industry),
    employee_count: read.number(COMPANY_FIELDS.employee_count, true),
    annual_revenue: read.number(COMPANY_FIELDS.annual_revenue),
    country: read.text(COMPANY_FIELDS.country),
    score: read.number(COMPANY_FIELDS.score, true),
    owner_id: read.text(COMPANY_FIELDS.owner_id),
    created_at: object.createdAt,
    updated_at: object.updatedAt,
  };
}

/** A contact as a lead. A contact without a Tollgate status is a new lead, as the built-in default. */
export function toLead(object: ApiObject): Lead {
  const read = new Reader('contact', object);
  return {
    email: read.required('email'),
    domain: read.required('tollgate_domain'),
    first_name: read.text(CONTACT_FIELDS.first_name),
    last_name: read.text(CONTACT_FIELDS.last_name),
    title: read.text(CONTACT_FIELDS.title),
    status: read.oneOf(CONTACT_FIELDS.status, LEAD_STATUSES) ?? 'new',
    score: read.number(CONTACT_FIELDS.score, true),
    created_at: object.createdAt,
    updated_at: object.updatedAt,
  };
}

/** A HubSpot task as a Tollgate task; only `COMPLETED` counts as done. */
export function toTask(object: ApiObject): Task {
  const read = new Reader('task', object);
  const kind = read.oneOf('tollgate_kind', TASK_KINDS);
  if (kind === null) throw read.violation('tollgate_kind', 'set');
  return {
    id: object.id,
    domain: read.required('tollgate_domain'),
    kind,
    note: read.text('hs_task_body') ?? '',
    status: read.text('hs_task_status') === 'COMPLETED' ? 'done' : 'open',
    created_at: object.createdAt,
  };
}

/**
 * Search filter groups (OR of ANDs) for a lead filter. A lead with no status is "new", so a filter
 * on "new" also takes contacts that lack the property: a second group.
 */
export function leadFilterGroups(filter: LeadFilter): { filters: SearchFilter[] }[] {
  const base: SearchFilter[] = [{ propertyName: 'tollgate_domain', operator: 'HAS_PROPERTY' }];
  if (filter.domain !== undefined) {
    base.push({ propertyName: 'tollgate_domain', operator: 'EQ', value: filter.domain });
  }
  if (filter.min_score !== undefined) {
    base.push({ propertyName: CONTACT_FIELDS.score, operator: 'GTE', value: String(filter.min_score) });
  }
  if (filter.status === undefined) return [{ filters: base }];
  const status: SearchFilter = { propertyName: CONTACT_FIELDS.status, operator: 'EQ', value: filter.status };
  if (filter.status !== 'new') return [{ filters: [...base, status] }];
  const missing: SearchFilter = { propertyName: CONTACT_FIELDS.status, operator: 'NOT_HAS_PROPERTY' };
  return [{ filters: [...base, status] }, { filters: [...base, missing] }];
}

/**
 * Search filters for tasks made by Tollgate (other tasks in the portal have no kind we could report),
 * after the task with the given HubSpot id.
 */
export function taskFilterGroups(
  filter: TaskFilter,
  afterId: string | undefined,
): { filters: SearchFilter[] }[] {
  const filters: SearchFilter[] = [
    filter.kind === undefined
      ? { propertyName: 'tollgate_kind', operator: 'IN', values: [...TASK_KINDS] }
      : { propertyName: 'tollgate_kind', operator: 'EQ', value: filter.kind },
  ];
  if (filter.domain !== undefined) {
    filters.push({ propertyName: 'tollgate_domain', operator: 'EQ', value: filter.domain });
  }
  if (afterId !== undefined) filters.push({ propertyName: 'hs_object_id', operator: 'GT', value: afterId });
  return [{ filters }];
}

/**
 * Search filter groups for the Tollgate tasks of these accounts and kinds that are still open: not
 * COMPLETED, the only status toTask reports as done. One group per kind (groups are OR-ed), each
 * `tollgate_domain IN` that kind's domains, so the matches are exactly the slots asked for (text
 * matching ignores case: the caller still compares exactly). Callers keep within HubSpot's caps:
 * 5 groups a search and {@link SEARCH_IN_LIMIT} values an `IN`.
 */
export function openTasksFilterGroups(
  slots: readonly { domain: string; kind: TaskInput['kind'] }[],
): { filters: SearchFilter[] }[] {
  const domainsByKind = new Map<TaskInput['kind'], Set<string>>();
  for (const { domain, kind } of slots) {
    const domains = domainsByKind.get(kind) ?? new Set<string>();
    domains.add(domain);
    domainsByKind.set(kind, domains);
  }
  return [...domainsByKind].map(([kind, domains]) => ({
    filters: [
      { propertyName: 'tollgate_kind', operator: 'EQ', value: kind },
      { propertyName: 'tollgate_domain', operator: 'IN', values: [...domains] },
      { propertyName: 'hs_task_status', operator: 'NEQ', value: 'COMPLETED' },
    ],
  }));
}

/** The most values HubSpot takes in one `IN` (or `NOT_IN`) search filter. */
export const SEARCH_IN_LIMIT = 100;
/** The most filter groups HubSpot takes in one search. */
export const SEARCH_GROUP_LIMIT = 5;

/**
 * HubSpot's default association type of a task to a company (HUBSPOT_DEFINED). Tasks show on a
 * company's record only when associated with it.
 */
export const TASK_TO_COMPANY = 192;
