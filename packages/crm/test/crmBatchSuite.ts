import { callTool } from '@tollgate/core/client';
import { describe, expect, it } from 'vitest';
import { crmContract } from '../src/contract.ts';
import { type CrmVariant, crmServerPerTest } from './crmTestVariants.ts';

/**
 * The CRM's batch tools, the same over every adapter: every item answered in input order, each
 * with its own value or error, and the same records as the single-record tools would leave.
 */
export function crmBatchSuite(variant: CrmVariant): void {
  const each = crmServerPerTest(variant);

  const start = each.start;

  const ok = async <T>(
    outcome: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>,
  ) => {
    const answer = await outcome;
    if (!answer.ok) throw new Error(answer.error.message);
    return answer.value;
  };

  describe.skipIf(variant.skip !== '')('batch tools', () => {
    it('upserts accounts in one call and reads them back in input order, null for the unknown', async () => {
      const client = await start();
      const written = await ok(
        callTool(client, crmContract.upsert_accounts, {
          items: [
            { domain: 'acme.com', name: 'Acme', employee_count: 120 },
            { domain: 'https://www.Globex.com/', industry: 'Energy' },
            { domain: 'acme.com', score: 80 },
          ],
        }),
      );
      expect(written.results.map((result) => [result.ok, result.value?.created])).toEqual([
        [true, true],
        [true, true],
        [true, false],
      ]);
      const read = await ok(
        callTool(client, crmContract.get_accounts, {
          items: [{ domain: 'globex.com' }, { domain: 'nobody.example' }, { domain: 'acme.com' }],
        }),
      );
      const accounts = read.results.map((result) => result.value?.account ?? null);
      expect(accounts[0]).toMatchObject({ domain: 'globex.com', industry: 'Energy' });
      expect(accounts[1]).toBeNull();
      // The repeated domain applied in order, as two calls would: nothing sent is lost, nothing blanked.
      expect(accounts[2]).toMatchObject({ domain: 'acme.com', name: 'Acme', employee_count: 120, score: 80 });
      expect(await each.store?.accountCount()).toBe(2);
    });

    it('answers a refused item alone and writes the others', async () => {
      const client = await start();
      const answer = await ok(
        callTool(client, crmContract.upsert_accounts, {
          items: [
            { domain: 'acme.com', name: 'Acme', clear: ['name'] },
            { domain: 'co.uk' },
            { domain: 'initech.com', owner_id: 'nobody' },
            { domain: 'globex.com', name: 'Globex' },
          ],
        }),
      );
      expect(answer.results.map((result) => result.error?.code ?? 'ok')).toEqual([
        'invalid_input',
        'invalid_input',
        'invalid_input',
        'ok',
      ]);
      expect(answer.results[1]?.error?.details).toMatchObject({
        issues: [expect.objectContaining({ path: 'items.1.domain' })],
      });
      expect(await each.store?.accountCount()).toBe(1);
    });

    it('upserts leads keyed by normalized email', async () => {
      const client = await start();
      const answer = await ok(
        callTool(client, crmContract.upsert_leads, {
          items: [
            { email: 'Ada@Acme.com', domain: 'acme.com', first_name: 'Ada', score: 70 },
            { email: 'ada@acme.com ', domain: 'acme.com', title: 'CTO' },
            { email: 'not an email', domain: 'acme.com' },
          ],
        }),
      );
      expect(answer.results.map((result) => result.error?.code ?? result.value?.created)).toEqual([
        true,
        false,
        'invalid_input',
      ]);
      expect(answer.results[1]?.value?.lead).toMatchObject({
        email: 'ada@acme.com',
        first_name: 'Ada',
        title: 'CTO',
        score: 70,
      });
    });

    it('creates tasks with a key per item, one open task per account and kind', async () => {
      const client = await start();
      const items = [
        {
          domain: 'acme.com',
          kind: 'manual_research' as const,
          note: 'Research Acme',
          idempotency_key: 't1',
        },
        { domain: 'acme.com', kind: 'manual_research' as const, note: 'Again', idempotency_key: 't2' },
        { domain: 'globex.com', kind: 'follow_up' as const, note: 'Call back', idempotency_key: 't3' },
      ];
      const first = await ok(callTool(client, crmContract.create_tasks, { items }));
      expect(first.results.map((result) => result.value?.existing)).toEqual([false, true, false]);
      expect(first.results[1]?.value?.task.id).toBe(first.results[0]?.value?.task.id);
      expect(await each.store?.taskCount()).toBe(2);
      // A retry of the same items replays each; nothing new is made.
      const again = await ok(callTool(client, crmContract.create_tasks, { items }));
      expect(again.results.map((result) => result.replayed)).toEqual([true, true, true]);
      expect(again.results.map((result) => result.value)).toEqual(
        first.results.map((result) => result.value),
      );
      expect(await each.store?.taskCount()).toBe(2);
    });
  });
}
