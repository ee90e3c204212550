export const OBJECT_TYPES = ['companies', 'contacts', 'tasks'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export function isObjectType(value: string): value is ObjectType {
  return (OBJECT_TYPES as readonly string[]).includes(value);
}

/** As HubSpot names them in messages such as "Contact already exists. Existing ID: 123". */
export const SINGULAR: Record<ObjectType, string> = {
  companies: 'Company',
  contacts: 'Contact',
  tasks: 'Task',
};

/**
 * Properties with unique values, the only ones `idProperty` may name. HubSpot enforces `email` on
 * contacts; companies are NOT unique by `domain`, so integrations add a unique custom property.
 * Tasks have none: nothing stops a retried task create from making a second task.
 */
export const DEFAULT_UNIQUE_PROPERTIES: Record<ObjectType, readonly string[]> = {
  contacts: ['email'],
  companies: ['tollgate_domain'],
  tasks: [],
};

/** Natural keys whose repeated values `GET /__admin/stats` reports as duplicates. */
export const DEFAULT_DUPLICATE_KEYS: Record<ObjectType, readonly string[]> = {
  contacts: ['email'],
  companies: ['domain', 'tollgate_domain'],
  tasks: ['tollgate_key'],
};

/** What a read or search returns when the caller names no `properties`, as HubSpot does. */
export const DEFAULT_RETURNED_PROPERTIES: Record<ObjectType, readonly string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  tasks: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id', 'hs_task_subject', 'hs_timestamp'],
};

export const CREATED_PROPERTY: Record<ObjectType, string> = {
  contacts: 'createdate',
  companies: 'createdate',
  tasks: 'hs_createdate',
};

export const MODIFIED_PROPERTY: Record<ObjectType, string> = {
  contacts: 'lastmodifieddate',
  companies: 'hs_lastmodifieddate',
  tasks: 'hs_lastmodifieddate',
};

/**
 * HubSpot's default (HUBSPOT_DEFINED, unlabeled) association types the simulator knows, by id. An
 * association is one link seen from both ends: each type has its inverse.
 */
export const ASSOCIATION_TYPES: Readonly<
  Record<number, { from: ObjectType; to: ObjectType; name: string; inverse: number }>
> = {
  191: { from: 'companies', to: 'tasks', name: 'company_to_task', inverse: 192 },
  192: { from: 'tasks', to: 'companies', name: 'task_to_company', inverse: 191 },
  203: { from: 'contacts', to: 'tasks', name: 'contact_to_task', inverse: 204 },
  204: { from: 'tasks', to: 'contacts', name: 'task_to_contact', inverse: 203 },
  279: { from: 'contacts', to: 'companies', name: 'contact_to_company_unlabeled', inverse: 280 },
  280: { from: 'companies', to: 'contacts', name: 'company_to_contact_unlabeled', inverse: 279 },
};

/** Values as the API stores them: strings. */
export type PropertyValues = Record<string, string>;

/** One invalid property, in HubSpot's `errors[]` shape. */
export interface PropertyError {
  message: string;
  in: string;
  code: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Coerces JSON values to the strings HubSpot stores (emails lowercased, as HubSpot does); null clears. */
export function toPropertyValues(input: Record<string, string | number | boolean | null>): PropertyValues {
  const out: PropertyValues = {};
  for (const [name, value] of Object.entries(input)) {
    const text = value === null ? '' : String(value);
    out[name] = name === 'email' ? text.trim().toLowerCase() : text;
  }
  return out;
}

/** The value a unique property is compared by: emails ignore case and surrounding space. */
export function uniqueKey(property: string, value: string): string {
  return property === 'email' ? value.trim().toLowerCase() : value.trim();
}

/** The invalid properties of a write; `creating` adds the properties HubSpot requires on create. */
export function validateProperties(
  type: ObjectType,
  values: PropertyValues,
  creating: boolean,
): PropertyError[] {
  const errors: PropertyError[] = [];
  const email = values.email;
  if (email !== undefined && email !== '' && !EMAIL.test(email.trim())) {
    errors.push({ message: `Email address ${email} is invalid`, in: 'email', code: 'INVALID_EMAIL' });
  }
  if (type === 'tasks' && creating && !values.hs_timestamp) {
    errors.push({
      message: 'hs_timestamp is required to create a task',
      in: 'hs_timestamp',
      code: 'REQUIRED_FIELD',
    });
  }
  return errors;
}

/** HubSpot's message for invalid properties: the per-property details JSON-encoded into the text. */
export function propertyErrorMessage(errors: readonly PropertyError[]): string {
  const details = errors.map((e) => ({ isValid: false, message: e.message, error: e.code, name: e.in }));
  return `Property values were not valid: ${JSON.stringify(details)}`;
}
