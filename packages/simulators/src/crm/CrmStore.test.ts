import { describe, expect, it } from 'vitest';
import { CrmStore } from './CrmStore.ts';
import { DEFAULT_DUPLICATE_KEYS, DEFAULT_UNIQUE_PROPERTIES } from './objectTypes.ts';

const store = (lagMs = 100) =>
  new CrmStore({ uniqueProperties: DEFAULT_UNIQUE_PROPERTIES, indexingLagMs: () => lagMs });

describe('CrmStore', () => {
  it('enforces unique properties and nothing else', () => {
    const s = store();
    expect(s.create('contacts', { email: 'a@x.com' }, 0).ok).toBe(true);
    expect(s.create('contacts', { email: 'a@x.com' }, 0)).toMatchObject({
      ok: false,
      conflict: { property: 'email' },
    });
    expect(s.create('companies', { domain: 'x.com' }, 0).ok).toBe(true);
    expect(s.create('companies', { domain: 'x.com' }, 0).ok).toBe(true); // domain is not unique in HubSpot
    expect(s.duplicates(DEFAULT_DUPLICATE_KEYS).companies).toEqual({ domain: 1, tollgate_domain: 0 });
  });

  it('gives each type its own id space and moves the unique index when a value changes', () => {
    const s = store();
    const contact = s.create('contacts', { email: 'old@x.com' }, 0);
    const company = s.create('companies', {}, 0);
    if (!contact.ok || !company.ok) throw new Error('create failed');
    expect(contact.record.id).not.toBe(company.record.id);
    s.update(contact.record, { email: 'new@x.com' }, 1);
    expect(s.findUnique('contacts', 'email', 'old@x.com')).toBeUndefined();
    expect(s.findUnique('contacts', 'email', 'NEW@x.com')).toBe(contact.record);
  });

  it('shows each write to search only after its lag, newest indexed version first', () => {
    const s = store(100);
    const created = s.create('tasks', { tollgate_key: 'k' }, 1000);
    if (!created.ok) throw new Error('create failed');
    expect(s.searchable('tasks', 1099)).toHaveLength(0);
    expect(s.searchable('tasks', 1100)[0]?.properties.tollgate_key).toBe('k');
    s.update(created.record, { tollgate_key: 'k2' }, 1150);
    expect(s.searchable('tasks', 1200)[0]?.properties.tollgate_key).toBe('k');
    expect(s.searchable('tasks', 1250)[0]?.properties.tollgate_key).toBe('k2');
  });
});
