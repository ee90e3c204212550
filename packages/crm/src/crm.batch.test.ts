import { callTool } from '@tollgate/core/client';
import { describe, expect, it } from 'vitest';
import { crmBatchSuite } from '../test/crmBatchSuite.ts';
import {
  builtinVariants,
  type CrmVariant,
  crmServerPerTest,
  hubSpotVariant,
} from '../test/crmTestVariants.ts';
import { crmContract } from './contract.ts';

describe.each([...builtinVariants(), hubSpotVariant()])('the CRM batch tools, $name', crmBatchSuite);

// create_tasks over many accounts and kinds: the same answers on every adapter, however it batches.
describe.each<CrmVariant>([...builtinVariants(), hubSpotVariant()])('create_tasks, $name', (variant) => {
  const each = crmServerPerTest(variant);
  describe.skipIf(variant.skip !== '')('', () => {
    const kinds = ['manual_research', 'follow_up'] as const;
    const items = (prefix: string) =>
      Array.from({ length: 14 }, (_, i) => ({
        domain: `acct${i % 5}.example`,
        kind: kinds[i % 2] as (typeof kinds)[number],
        note: `Item ${i}`,
        idempotency_key: `${prefix}-${i}`,
      }));

    it('answers each item with its own account and kind: the first of a slot made, the rest existing', async () => {
      const client = await each.start();
      const sent = items('many');
      const answer = await callTool(client, crmContract.create_tasks, { items: sent });
      if (!answer.ok) throw new Error(answer.error.message);
      const results = answer.value.results;
      expect(results.every((result) => result.ok)).toBe(true);
      const firstOfSlot = new Map<string, number>();
      results.forEach((result, i) => {
        const item = sent[i] as (typeof sent)[number];
        expect(result.value?.task).toMatchObject({ domain: item.domain, kind: item.kind, status: 'open' });
        const slot = `${item.domain} ${item.kind}`;
        const first = firstOfSlot.get(slot);
        if (first === undefined) {
          firstOfSlot.set(slot, i);
          expect(result.value).toMatchObject({ existing: false, task: { note: item.note } });
        } else {
          expect(result.value?.existing).toBe(true);
          expect(result.value?.task.id).toBe(results[first]?.value?.task.id);
        }
      });
      // Five accounts, two kinds: ten slots, one task each.
      expect(firstOfSlot.size).toBe(10);
      expect(await each.store?.taskCount()).toBe(10);

      // A slot whose task was done gets a new one; the others answer their open task.
      const done = results[0]?.value?.task.id as string;
      await each.store?.completeTask(done);
      const again = await callTool(client, crmContract.create_tasks, { items: items('again').slice(0, 3) });
      if (!again.ok) throw new Error(again.error.message);
      expect(again.value.results.map((result) => result.value?.existing)).toEqual([false, true, true]);
      expect(again.value.results[0]?.value?.task.id).not.toBe(done);
      expect(await each.store?.taskCount()).toBe(11);
    });
  });
});
