import { migrate } from '@tollgate/core/store';
import { backends } from '@tollgate/testing/backends';
import { afterEach, describe, expect, it } from 'vitest';
import { crmMigrations } from './migrations.ts';

describe.each(backends())('the CRM store’s migrations on $name', (backend) => {
  const drops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const drop of drops.splice(0)) await drop();
  });

  describe.skipIf(backend.skip !== '')('', () => {
    it('closes the repeated open tasks earlier versions made, keeping the oldest of each account and kind open', async () => {
      const { db, drop } = await backend.open();
      drops.push(drop);
      await migrate(db, 'crm', crmMigrations.slice(0, 1));
      const add = (key: string, domain: string, kind: string, status = 'open') =>
        db.query(
          `INSERT INTO crm_tasks (idempotency_key, domain, kind, note, status)
           VALUES ($1, $2, $3, 'night ' || $1, $4)`,
          [key, domain, kind, status],
        );
      await add('1', 'acme.com', 'manual_research', 'done');
      await add('2', 'acme.com', 'manual_research');
      await add('3', 'acme.com', 'manual_research');
      await add('4', 'acme.com', 'follow_up');
      await add('5', 'acme.com', 'manual_research');
      await add('6', 'other.com', 'manual_research');

      await migrate(db, 'crm', crmMigrations);
      const { rows } = await db.query<{ idempotency_key: string; status: string; note: string }>(
        'SELECT idempotency_key, status, note FROM crm_tasks ORDER BY seq',
      );
      const kept = rows.find((row) => row.idempotency_key === '2');
      expect(rows.map((row) => [row.idempotency_key, row.status])).toEqual([
        ['1', 'done'],
        ['2', 'open'],
        ['3', 'done'],
        ['4', 'open'],
        ['5', 'done'],
        ['6', 'open'],
      ]);
      expect(kept?.note).toBe('night 2');
      const { rows: ids } = await db.query<{ id: string }>(
        `SELECT id FROM crm_tasks WHERE idempotency_key = '2'`,
      );
      for (const closed of rows.filter((row) => ['3', '5'].includes(row.idempotency_key))) {
        expect(closed.note).toBe(
          `night ${closed.idempotency_key}\n\n[Closed by Tollgate: repeats open task ${ids[0]?.id}.]`,
        );
      }
      // From now on the store itself refuses a second open task of a kind.
      await expect(add('7', 'acme.com', 'manual_research')).rejects.toThrow(/crm_tasks_one_open/);
    });
  });
});
