import {
  ASSOCIATION_TYPES,
  CREATED_PROPERTY,
  MODIFIED_PROPERTY,
  OBJECT_TYPES,
  type ObjectType,
  type PropertyValues,
  uniqueKey,
} from './objectTypes.ts';

/** One stored CRM object. */
export interface CrmRecord {
  readonly id: string;
  readonly type: ObjectType;
  properties: PropertyValues;
  readonly createdAt: string;
  updatedAt: string;
  /** Snapshots waiting to reach (or already in) the search index, oldest first. */
  versions: { visibleAt: number; properties: PropertyValues }[];
  /** The associations made from this record (see `associate`), as they were given. */
  associations: { typeId: number; toType: ObjectType; toId: string }[];
}

export type WriteResult =
  | { ok: true; record: CrmRecord }
  | { ok: false; conflict: { property: string; value: string; existingId: string } };

export interface CrmStoreOptions {
  uniqueProperties: Record<ObjectType, readonly string[]>;
  /** Milliseconds until a write becomes visible to search; called once per write. */
  indexingLagMs: () => number;
}

// Separate id spaces per type, as in HubSpot: contact 1 and company 1 are different records.
const ID_BASE: Record<ObjectType, number> = { contacts: 1_000_001, companies: 2_000_001, tasks: 3_000_001 };

/**
 * An in-memory CRM: records by type, unique-property indexes that enforce exactly what HubSpot
 * enforces (and nothing more), and a search index that lags behind writes.
 */
export class CrmStore {
  readonly #options: CrmStoreOptions;
  readonly #records = new Map<ObjectType, Map<string, CrmRecord>>();
  // type → property → unique key → record id
  readonly #unique = new Map<ObjectType, Map<string, Map<string, string>>>();
  readonly #nextId = new Map<ObjectType, number>();

  constructor(options: CrmStoreOptions) {
    this.#options = options;
    for (const type of OBJECT_TYPES) {
      this.#records.set(type, new Map());
      this.#unique.set(type, new Map(options.uniqueProperties[type].map((p) => [p, new Map()])));
      this.#nextId.set(type, ID_BASE[type]);
    }
  }

  isUnique(type: ObjectType, property: string): boolean {
    return this.#options.uniqueProperties[type].includes(property);
  }

  get(type: ObjectType, id: string): CrmRecord | undefined {
    return this.#records.get(type)?.get(id);
  }

  /** The record holding this value of a unique property. */
  findUnique(type: ObjectType, property: string, value: string): CrmRecord | undefined {
    const id = this.#unique.get(type)?.get(property)?.get(uniqueKey(property, value));
    return id === undefined ? undefined : this.get(type, id);
  }

  create(type: ObjectType, values: PropertyValues, now = Date.now()): WriteResult {
    const conflict = this.#conflict(type, values, undefined);
    if (conflict) return { ok: false, conflict };
    const next = this.#nextId.get(type) as number;
    this.#nextId.set(type, next + 1);
    const id = String(next);
    const at = new Date(now).toISOString();
    const record: CrmRecord = {
      id,
      type,
      properties: {},
      createdAt: at,
      updatedAt: at,
      versions: [],
      associations: [],
    };
    this.#records.get(type)?.set(id, record);
    this.#apply(record, { ...values, hs_object_id: id, [CREATED_PROPERTY[type]]: at }, now);
    return { ok: true, record };
  }

  update(record: CrmRecord, values: PropertyValues, now = Date.now()): WriteResult {
    const conflict = this.#conflict(record.type, values, record.id);
    if (conflict) return { ok: false, conflict };
    this.#apply(record, values, now);
    return { ok: true, record };
  }

  /** Links two records with an association type whose ends are their types; false if it has none. */
  associate(from: CrmRecord, typeId: number, to: CrmRecord): boolean {
    const type = ASSOCIATION_TYPES[typeId];
    if (type === undefined || type.from !== from.type || type.to !== to.type) return false;
    if (!from.associations.some((a) => a.typeId === typeId && a.toId === to.id)) {
      from.associations.push({ typeId, toType: to.type, toId: to.id });
    }
    return true;
  }

  /**
   * The records of `toType` associated with this one, from either end, each with the association
   * type as seen from this record (a task's `task_to_company` is its company's `company_to_task`).
   */
  associated(record: CrmRecord, toType: ObjectType): { id: string; typeId: number }[] {
    const out = record.associations
      .filter((a) => a.toType === toType)
      .map((a) => ({ id: a.toId, typeId: a.typeId }));
    for (const other of this.#records.get(toType)?.values() ?? []) {
      for (const a of other.associations) {
        if (a.toType !== record.type || a.toId !== record.id) continue;
        const inverse = ASSOCIATION_TYPES[a.typeId]?.inverse ?? a.typeId;
        if (!out.some((o) => o.id === other.id && o.typeId === inverse))
          out.push({ id: other.id, typeId: inverse });
      }
    }
    return out;
  }

  /** Each record of a type as the search index sees it now: only indexed writes, possibly stale. */
  searchable(type: ObjectType, now = Date.now()): { record: CrmRecord; properties: PropertyValues }[] {
    const out: { record: CrmRecord; properties: PropertyValues }[] = [];
    for (const record of this.#records.get(type)?.values() ?? []) {
      let visible = -1;
      // Lags differ per write, so a later write can be indexed first; the newest indexed one wins.
      record.versions.forEach((version, i) => {
        if (version.visibleAt <= now) visible = i;
      });
      if (visible < 0) continue;
      record.versions.splice(0, visible); // older snapshots can never be seen again
      out.push({ record, properties: (record.versions[0] as { properties: PropertyValues }).properties });
    }
    return out;
  }

  counts(): Record<ObjectType, number> {
    return Object.fromEntries(OBJECT_TYPES.map((t) => [t, this.#records.get(t)?.size ?? 0])) as Record<
      ObjectType,
      number
    >;
  }

  /** For each key property: how many records repeat a value another record already holds. */
  duplicates(keys: Record<ObjectType, readonly string[]>): Record<ObjectType, Record<string, number>> {
    const out = {} as Record<ObjectType, Record<string, number>>;
    for (const type of OBJECT_TYPES) {
      out[type] = {};
      for (const property of keys[type]) {
        const seen = new Set<string>();
        let repeats = 0;
        for (const record of this.#records.get(type)?.values() ?? []) {
          const value = record.properties[property];
          if (value === undefined || value === '') continue;
          const key = uniqueKey(property, value);
          if (seen.has(key)) repeats++;
          else seen.add(key);
        }
        out[type][property] = repeats;
      }
    }
    return out;
  }

  #conflict(type: ObjectType, values: PropertyValues, selfId: string | undefined) {
    for (const property of this.#options.uniqueProperties[type]) {
      const value = values[property];
      if (value === undefined || value === '') continue;
      const holder = this.findUnique(type, property, value);
      if (holder && holder.id !== selfId) return { property, value, existingId: holder.id };
    }
    return undefined;
  }

  #apply(record: CrmRecord, values: PropertyValues, now: number): void {
    const indexes = this.#unique.get(record.type) as Map<string, Map<string, string>>;
    for (const [property, index] of indexes) {
      const before = record.properties[property];
      const after = values[property];
      if (after === undefined) continue;
      if (before !== undefined && before !== '') index.delete(uniqueKey(property, before));
      if (after !== '') index.set(uniqueKey(property, after), record.id);
    }
    const at = new Date(now).toISOString();
    record.properties = { ...record.properties, ...values, [MODIFIED_PROPERTY[record.type]]: at };
    record.updatedAt = at;
    record.versions.push({
      visibleAt: now + this.#options.indexingLagMs(),
      properties: { ...record.properties },
    });
  }
}
