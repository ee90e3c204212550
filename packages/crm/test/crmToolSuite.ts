import type { Client } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Task } from '../src/schemas.ts';
import { type CrmVariant, call, callError, crmServerPerTest } from './crmTestVariants.ts';

type TaskAnswer = { task: Task; existing: boolean };

/**
 * The CRM tools' behaviour, the same over every adapter; call inside a describe per variant. Only
 * what the tools promise is checked, never how a store keeps it.
 */
export function crmToolSuite(variant: CrmVariant): void {
  const each = crmServerPerTest(variant);

  /** Open tasks by `domain|kind`, oldest first. */
  async function openTasks(client: Client): Promise<Map<string, string[]>> {
    const open = new Map<string, string[]>();
    let cursor: string | undefined;
    do {
      const page = (await call(client, 'list_tasks', {
        limit: 100,
        ...(cursor ? { cursor } : {}),
      })) as unknown as { tasks: Task[]; next_cursor: string | null };
      for (const task of page.tasks) {
        if (task.status !== 'open') continue;
        const slot = `${task.domain}|${task.kind}`;
        open.set(slot, [...(open.get(slot) ?? []), task.id]);
      }
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return open;
  }

  const start = each.start;

  describe.skipIf(variant.skip !== '')('', () => {
    it('keeps one account per normalized domain however often and however spelled it is upserted (property)', async () => {
      const client = await start();
      const spellings = [
        'acme.com',
        'https://www.ACME.com/pricing',
        ' Acme.Com ',
        'http://acme.com:8080/x?y=1',
      ];
      const update = fc.record(
        {
          name: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: null }),
          employee_count: fc.option(fc.nat(100_000), { nil: null }),
          score: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...spellings), update), { minLength: 1, maxLength: 6 }),
          async (steps) => {
            const expected: Record<string, unknown> = {};
            for (const [domain, fields] of steps) {
              // null in the model means "empty it", which the tool takes as a name in clear.
              const sent = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null));
              const clear = Object.keys(fields).filter((key) => fields[key as keyof typeof fields] === null);
              await call(client, 'upsert_account', {
                domain,
                ...sent,
                ...(clear.length > 0 ? { clear } : {}),
              });
              Object.assign(expected, fields);
            }
            const { account } = await call(client, 'get_account', { domain: 'acme.com' });
            expect(account).toMatchObject({ domain: 'acme.com', ...expected });
            expect(await each.store?.accountCount()).toBe(1);
          },
        ),
        { numRuns: 15 },
      );
    });

    it('reports whether an upsert created or updated, and keeps fields it was not sent', async () => {
      const client = await start();
      const first = await call(client, 'upsert_lead', {
        email: ' Ada@Example.COM ',
        domain: 'example.com',
        title: 'CTO',
      });
      expect(first).toMatchObject({
        created: true,
        lead: { email: 'ada@example.com', status: 'new', title: 'CTO' },
      });
      const second = await call(client, 'upsert_lead', {
        email: 'ada@example.com',
        domain: 'example.com',
        score: 80,
      });
      expect(second).toMatchObject({ created: false, lead: { title: 'CTO', score: 80 } });
      const cleared = await call(client, 'upsert_lead', {
        email: 'ada@example.com',
        domain: 'example.com',
        clear: ['title'],
      });
      expect(cleared).toMatchObject({ lead: { title: null, score: 80 } });
      const both = await callError(client, 'upsert_lead', {
        email: 'ada@example.com',
        domain: 'example.com',
        score: 90,
        clear: ['score'],
      });
      expect(both).toMatchObject({ code: 'invalid_input', retryable: false });
      expect(
        (await call(client, 'upsert_lead', { email: 'ada@example.com', domain: 'example.com' })).lead,
      ).toMatchObject({ score: 80 });
    });

    it('answers account: null for an unknown domain', async () => {
      const client = await start();
      expect(await call(client, 'get_account', { domain: 'nobody.example' })).toEqual({ account: null });
    });

    it('names the field when input is bad, and writes nothing', async () => {
      const client = await start();
      const error = await callError(client, 'upsert_account', { domain: 'not a domain', score: 101 });
      expect(error.code).toBe('invalid_input');
      expect(error.details.issues).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: 'domain' }),
          expect.objectContaining({ path: 'score' }),
        ]),
      );
      const owner = await callError(client, 'upsert_account', { domain: 'acme.com', owner_id: 'own_nobody' });
      expect(owner).toMatchObject({ code: 'invalid_input', retryable: false });
      expect(owner.hint).toContain('list_owners');
      expect(await call(client, 'get_account', { domain: 'acme.com' })).toEqual({ account: null });
    });

    it('assigns owners from list_owners', async () => {
      const client = await start();
      const { owners } = (await call(client, 'list_owners', {})) as unknown as { owners: { id: string }[] };
      expect(owners.map((owner) => owner.id)).toEqual(['own_ada', 'own_bo', 'own_chen', 'own_dara']);
      const { account } = await call(client, 'upsert_account', { domain: 'acme.com', owner_id: 'own_bo' });
      expect(account).toMatchObject({ owner_id: 'own_bo' });
    });

    it('pages through leads with cursors and refuses a cursor from another filter', async () => {
      const client = await start();
      for (let i = 0; i < 7; i++) {
        await call(client, 'upsert_lead', { email: `p${i}@acme.com`, domain: 'acme.com', score: i * 10 });
      }
      await call(client, 'upsert_lead', { email: 'x@other.com', domain: 'other.com' });
      const seen: string[] = [];
      let cursor: string | undefined;
      const sizes: number[] = [];
      do {
        const page = (await call(client, 'search_leads', {
          filter: { domain: 'acme.com' },
          limit: 3,
          ...(cursor ? { cursor } : {}),
        })) as unknown as { leads: { email: string }[]; next_cursor: string | null };
        sizes.push(page.leads.length);
        seen.push(...page.leads.map((lead) => lead.email));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      expect(sizes).toEqual([3, 3, 1]);
      expect(seen).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((p) => `${p}@acme.com`));
      const first = (await call(client, 'search_leads', {
        filter: { domain: 'acme.com' },
        limit: 3,
      })) as unknown as {
        next_cursor: string;
      };
      const error = await callError(client, 'search_leads', {
        filter: { min_score: 50 },
        cursor: first.next_cursor,
      });
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain('another filter or tool');
    });

    it('creates a task once per idempotency key: the same key replays, another task for it is refused', async () => {
      const client = await start();
      const args = {
        domain: 'acme.com',
        kind: 'manual_research',
        note: 'No firmographics',
        idempotency_key: 'run1:acme.com:task',
      };
      const first = await client.callTool({ name: 'create_task', arguments: args });
      expect(first.structuredContent).toMatchObject({ existing: false, task: { status: 'open' } });
      const again = await client.callTool({ name: 'create_task', arguments: args });
      expect(again.structuredContent).toEqual(first.structuredContent);
      expect(again._meta).toMatchObject({ 'tollgate/replayed': true });
      const reused = await callError(client, 'create_task', { ...args, note: 'different' });
      expect(reused.code).toBe('idempotency_key_reused');
      expect(await each.store?.taskCount()).toBe(1);
    });

    it('answers a create under a new key with the account’s open task of that kind, marked existing, and makes nothing', async () => {
      const client = await start();
      const night = (n: number, note = `night ${n}`) => ({
        domain: 'acme.com',
        kind: 'manual_research',
        note,
        idempotency_key: `run${n}:acme.com:research`,
      });
      const first = (await call(client, 'create_task', night(1))) as unknown as TaskAnswer;
      const second = await client.callTool({ name: 'create_task', arguments: night(2) });
      expect(second.isError).toBeFalsy();
      expect(second.structuredContent).toEqual({ task: first.task, existing: true });
      // A client that shows the model only text content still says the task was already there.
      expect(second.content).toEqual([{ type: 'text', text: expect.stringContaining('"existing":true') }]);
      // Spelled another way, the domain is the same account.
      const third = (await call(client, 'create_task', {
        ...night(3),
        domain: 'https://www.ACME.com/about',
      })) as unknown as TaskAnswer;
      expect(third).toEqual({ task: first.task, existing: true });
      expect(await each.store?.taskCount()).toBe(1);

      // The deduplicated answer is this key's answer from now on: replayed, and guarded as any other.
      const replay = await client.callTool({ name: 'create_task', arguments: night(2) });
      expect(replay.structuredContent).toEqual(second.structuredContent);
      expect(replay._meta).toMatchObject({ 'tollgate/replayed': true });
      expect((await callError(client, 'create_task', night(2, 'other note'))).code).toBe(
        'idempotency_key_reused',
      );

      // Another kind, or another account, is another task.
      const followUp = (await call(client, 'create_task', {
        ...night(4),
        kind: 'follow_up',
      })) as unknown as TaskAnswer;
      const other = (await call(client, 'create_task', {
        ...night(5),
        domain: 'other.com',
      })) as unknown as TaskAnswer;
      expect([followUp.existing, other.existing]).toEqual([false, false]);
      expect(new Set([first.task.id, followUp.task.id, other.task.id]).size).toBe(3);
      expect(await each.store?.taskCount()).toBe(3);
    });

    it('creates a new task of a kind once the open one is done', async () => {
      const client = await start();
      const research = (key: string) => ({
        domain: 'acme.com',
        kind: 'manual_research',
        note: 'Still no firmographics',
        idempotency_key: key,
      });
      const first = (await call(client, 'create_task', research('k1'))) as unknown as TaskAnswer;
      await each.store?.completeTask(first.task.id);
      const next = (await call(client, 'create_task', research('k2'))) as unknown as TaskAnswer;
      expect(next.existing).toBe(false);
      expect(next.task.id).not.toBe(first.task.id);
      const blocked = (await call(client, 'create_task', research('k3'))) as unknown as TaskAnswer;
      expect(blocked).toEqual({ task: next.task, existing: true });
      const listed = (await call(client, 'list_tasks', { filter: { domain: 'acme.com' } })) as unknown as {
        tasks: { id: string; status: string }[];
      };
      expect(listed.tasks.map((task) => [task.id, task.status])).toEqual([
        [first.task.id, 'done'],
        [next.task.id, 'open'],
      ]);
    });

    it('tells the model that a second create_task returns the open task', async () => {
      const client = await start();
      const { tools } = await client.listTools();
      const tool = tools.find((each) => each.name === 'create_task');
      expect(tool?.description).toContain('at most one open task of each kind');
      expect(tool?.description).toContain('existing: true');
      expect(JSON.stringify(tool?.outputSchema)).toContain('existing');
    });

    it('ends concurrent creates with different keys with one open task per account and kind (property)', async () => {
      const client = await start();
      const domains = ['acme.com', 'beta.com'] as const;
      const kinds = ['manual_research', 'follow_up'] as const;
      const create = fc.record({
        domain: fc.constantFrom(...domains),
        kind: fc.constantFrom(...kinds),
        key: fc.nat(3),
      });
      // Rounds of creates sent at once; between rounds, some open tasks are done by hand.
      const round = fc.record({
        creates: fc.array(create, { minLength: 2, maxLength: 6 }),
        complete: fc.subarray([...domains.flatMap((d) => kinds.map((k) => `${d}|${k}`))]),
      });
      let run = 0;
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(fc.array(round, { minLength: 1, maxLength: 3 }), async (rounds) => {
          run++;
          for (const [r, { creates, complete }] of rounds.entries()) {
            const answers = await Promise.all(
              creates.map(async ({ domain, kind, key }) => {
                const result = await client.callTool({
                  name: 'create_task',
                  arguments: {
                    domain,
                    kind,
                    note: `round ${r}`,
                    idempotency_key: `p${run}:r${r}:${domain}:${kind}:${key}`,
                  },
                });
                return { slot: `${domain}|${kind}`, result };
              }),
            );
            const ids = new Map<string, Set<string>>();
            for (const { slot, result } of answers) {
              if (result.isError) {
                // Only the same key sent twice at once may be told to wait.
                expect(result.structuredContent).toMatchObject({
                  error: { code: 'idempotency_in_progress' },
                });
                continue;
              }
              const { task } = result.structuredContent as TaskAnswer;
              seen.add(task.id);
              ids.set(slot, (ids.get(slot) ?? new Set()).add(task.id));
            }
            for (const slotIds of ids.values()) expect(slotIds.size).toBe(1);
            const open = await openTasks(client);
            for (const [slot, slotIds] of ids) expect(open.get(slot)).toEqual([...slotIds]);
            for (const slot of complete) {
              const id = open.get(slot)?.[0];
              if (id !== undefined) await each.store?.completeTask(id);
            }
          }
          for (const slotIds of (await openTasks(client)).values()) expect(slotIds).toHaveLength(1);
          expect(await each.store?.taskCount()).toBe(seen.size);
        }),
        // HubSpot's searches are paced at 5 a second, and each create searches: keep the runs few.
        { numRuns: 6 },
      );
    });

    it('filters leads by status (a lead never given one is new) and by minimum score', async () => {
      const client = await start();
      await call(client, 'upsert_lead', { email: 'a@acme.com', domain: 'acme.com', score: 90 });
      await call(client, 'upsert_lead', {
        email: 'b@acme.com',
        domain: 'acme.com',
        status: 'working',
        score: 40,
      });
      await call(client, 'upsert_lead', { email: 'c@acme.com', domain: 'acme.com', status: 'new' });
      await call(client, 'upsert_lead', {
        email: 'd@other.com',
        domain: 'other.com',
        status: 'qualified',
        score: 95,
      });
      const emails = async (filter: Record<string, unknown>) => {
        const page = (await call(client, 'search_leads', { filter })) as unknown as {
          leads: { email: string }[];
        };
        return page.leads.map((lead) => lead.email);
      };
      expect(await emails({ status: 'new' })).toEqual(['a@acme.com', 'c@acme.com']);
      expect(await emails({ status: 'working' })).toEqual(['b@acme.com']);
      expect(await emails({ min_score: 50 })).toEqual(['a@acme.com', 'd@other.com']);
      expect(await emails({ domain: 'acme.com', min_score: 50 })).toEqual(['a@acme.com']);
      expect(await emails({})).toEqual(['a@acme.com', 'b@acme.com', 'c@acme.com', 'd@other.com']);
    });

    it('pages through tasks oldest first and filters them by domain and kind', async () => {
      const client = await start();
      const made = [
        ['acme.com', 'manual_research'],
        ['acme.com', 'follow_up'],
        ['beta.com', 'manual_research'],
        ['other.com', 'data_review'],
        ['gamma.com', 'manual_research'],
      ] as const;
      const created: string[] = [];
      for (const [i, [domain, kind]] of made.entries()) {
        const { task } = (await call(client, 'create_task', {
          domain,
          kind,
          note: `task ${i}`,
          idempotency_key: `page:${i}`,
        })) as unknown as TaskAnswer;
        created.push(task.id);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = (await call(client, 'list_tasks', {
          limit: 2,
          ...(cursor ? { cursor } : {}),
        })) as unknown as {
          tasks: { id: string; note: string }[];
          next_cursor: string | null;
        };
        seen.push(...page.tasks.map((task) => task.id));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(created);
      const notes = async (filter: Record<string, string>) => {
        const { tasks } = (await call(client, 'list_tasks', { filter })) as unknown as {
          tasks: { note: string; status: string }[];
        };
        expect(tasks.every((task) => task.status === 'open')).toBe(true);
        return tasks.map((task) => task.note);
      };
      expect(await notes({ kind: 'manual_research' })).toEqual(['task 0', 'task 2', 'task 4']);
      expect(await notes({ domain: 'acme.com' })).toEqual(['task 0', 'task 1']);
      expect(await notes({ domain: 'acme.com', kind: 'follow_up' })).toEqual(['task 1']);
    });

    it('is read-only when granted only read scopes: write tools are not even listed', async () => {
      const client = await start(['accounts:read', 'leads:read', 'tasks:read', 'owners:read']);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([
        'get_account',
        'get_accounts',
        'list_owners',
        'list_tasks',
        'search_leads',
      ]);
      const error = await callError(client, 'upsert_account', { domain: 'acme.com' });
      expect(error).toMatchObject({ code: 'forbidden', details: { missing_scopes: ['accounts:upsert'] } });
    });
  });
}
