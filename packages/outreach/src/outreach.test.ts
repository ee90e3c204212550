import type { Client } from '@modelcontextprotocol/client';
import { toolErrorEnvelopeSchema } from '@tollgate/core/client';
import type { Database } from '@tollgate/core/store';
import { captureLogs, connectInProcess, type InProcessConnection } from '@tollgate/testing';
import { backends } from '@tollgate/testing/backends';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutreachServer, type OutreachServerOptions } from './createOutreachServer.ts';
import type { Draft } from './schemas.ts';

type Result = { draft: Draft; existing: boolean };
const DAY_MS = 24 * 60 * 60 * 1000;

describe.each(backends())('the outreach server on $name', (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  let db: Database | undefined;

  async function start(
    grantedScopes?: string[],
    options: Partial<OutreachServerOptions> = {},
  ): Promise<Client> {
    const test = await backend.open();
    cleanups.push(test.drop);
    db = test.db;
    const outreach = await createOutreachServer({
      db: test.db,
      ...(grantedScopes ? { grantedScopes } : {}),
      log: { destination: captureLogs().stream },
      ...options,
    });
    cleanups.push(outreach.close);
    const connection: InProcessConnection = await connectInProcess(outreach);
    cleanups.push(connection.close);
    return connection.client;
  }

  const draft = (n: number, key: string, sequence: string | null = 'q4-expansion') => ({
    idempotency_key: key,
    lead_email: `Lead${n}@Acme.com`,
    domain: 'acme.com',
    subject: `Hello ${n}`,
    body: 'We noticed your team grew.',
    ...(sequence === null ? {} : { sequence }),
  });

  const create = async (client: Client, args: Record<string, unknown>) => {
    const result = await client.callTool({ name: 'create_outreach_draft', arguments: args });
    if (result.isError) throw new Error(JSON.stringify(result.structuredContent));
    return result.structuredContent as Result;
  };

  const draftCount = async () => {
    const { rows } = (await db?.query<{ n: number }>('SELECT count(*)::int AS n FROM outreach_drafts')) ?? {};
    return rows?.[0]?.n;
  };

  /** Moves every draft the given number of days into the past, as if it had been saved then. */
  const age = async (days: number) => {
    await db?.query(`UPDATE outreach_drafts SET created_at = created_at - $1 * interval '1 day'`, [days]);
  };

  describe.skipIf(backend.skip !== '')('', () => {
    it('saves one draft per idempotency key, however many times a key is retried (property)', async () => {
      const client = await start();
      let run = 0;
      let expected = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat(3), { minLength: 1, maxLength: 12 }), async (keys) => {
          run++;
          const first = new Map<number, unknown>();
          for (const k of keys) {
            const result = await client.callTool({
              name: 'create_outreach_draft',
              arguments: draft(k, `r${run}-k${k}`, `sequence-${run}`),
            });
            expect(result.isError).toBeFalsy();
            if (first.has(k)) expect(result.structuredContent).toEqual(first.get(k));
            else first.set(k, result.structuredContent);
          }
          expected += first.size;
          const listed = await client.callTool({ name: 'list_outreach_drafts', arguments: { limit: 100 } });
          expect((listed.structuredContent as { drafts: unknown[] }).drafts).toHaveLength(expected);
        }),
        { numRuns: 10 },
      );
    });

    it('answers a draft under a new key for the same lead and sequence with the existing draft, marked existing, and saves nothing', async () => {
      const client = await start();
      const first = await create(client, draft(1, 'run1:acme.com:draft'));
      expect(first.existing).toBe(false);
      const second = await client.callTool({
        name: 'create_outreach_draft',
        arguments: { ...draft(1, 'run2:acme.com:draft'), subject: 'A newer subject' },
      });
      expect(second.structuredContent).toEqual({ draft: first.draft, existing: true });
      // A client that shows the model only text content still says the draft was already there.
      expect(second.content).toEqual([{ type: 'text', text: expect.stringContaining('"existing":true') }]);
      // However the email is spelled, it is the same lead.
      const third = await create(client, { ...draft(1, 'run3'), lead_email: ' lead1@ACME.com ' });
      expect(third).toEqual({ draft: first.draft, existing: true });
      expect(await draftCount()).toBe(1);

      // The deduplicated answer is this key's answer from now on: replayed, and guarded as any other.
      const replay = await client.callTool({
        name: 'create_outreach_draft',
        arguments: { ...draft(1, 'run2:acme.com:draft'), subject: 'A newer subject' },
      });
      expect(replay.structuredContent).toEqual(second.structuredContent);
      expect(replay._meta).toMatchObject({ 'tollgate/replayed': true });
      const reused = await client.callTool({
        name: 'create_outreach_draft',
        arguments: draft(1, 'run2:acme.com:draft'),
      });
      expect(toolErrorEnvelopeSchema.parse(reused.structuredContent).error.code).toBe(
        'idempotency_key_reused',
      );

      // Another sequence, or another lead, is another draft; drafts without a sequence share one.
      const other = await create(client, draft(1, 'other-sequence', 'q1-renewal'));
      const lead2 = await create(client, draft(2, 'other-lead'));
      const bare = await create(client, draft(1, 'bare-1', null));
      const bareAgain = await create(client, draft(1, 'bare-2', null));
      expect([other.existing, lead2.existing, bare.existing, bareAgain.existing]).toEqual([
        false,
        false,
        false,
        true,
      ]);
      expect(bareAgain.draft).toEqual(bare.draft);
      expect(await draftCount()).toBe(4);
    });

    it('saves a new draft for the lead and sequence once the window since the last one has passed', async () => {
      const client = await start();
      const first = await create(client, draft(1, 'week1'));
      await age(6.9);
      expect(await create(client, draft(1, 'day7'))).toMatchObject({
        existing: true,
        draft: { id: first.draft.id },
      });
      await age(0.2);
      const next = await create(client, draft(1, 'week2'));
      expect(next.existing).toBe(false);
      expect(next.draft.id).not.toBe(first.draft.id);
      // The window now runs from the newer draft.
      expect(await create(client, draft(1, 'week2-rerun'))).toMatchObject({
        existing: true,
        draft: { id: next.draft.id },
      });
      expect(await draftCount()).toBe(2);
    });

    it('keeps to the window it is given, and a window of 0 saves a draft for every new key', async () => {
      const client = await start(undefined, { draftWindowMs: 2 * DAY_MS });
      const first = await create(client, draft(1, 'a'));
      await age(1.5);
      expect((await create(client, draft(1, 'b'))).existing).toBe(true);
      await age(1);
      expect((await create(client, draft(1, 'c'))).existing).toBe(false);

      const unlimited = await start(undefined, { draftWindowMs: 0 });
      const ids = new Set<string>();
      for (const key of ['x', 'y', 'z']) ids.add((await create(unlimited, draft(1, key))).draft.id);
      expect(ids.size).toBe(3);
      expect(ids.has(first.draft.id)).toBe(false);
    });

    it('tells the model that a second draft for a lead and sequence returns the first, and for how long', async () => {
      const described = async (client: Client) => {
        const { tools } = await client.listTools();
        return tools.find((tool) => tool.name === 'create_outreach_draft')?.description ?? '';
      };
      const week = await described(await start());
      expect(week).toContain('at most one draft per sequence in any 7 days');
      expect(week).toContain('existing: true');
      expect(await described(await start(undefined, { draftWindowMs: DAY_MS / 2 }))).toContain(
        'in any 0.5 days',
      );
      expect(await described(await start(undefined, { draftWindowMs: 0 }))).not.toContain('existing: true');
    });

    it('ends concurrent drafts under different keys with one draft per lead and sequence (property)', async () => {
      const client = await start();
      const request = fc.record({
        lead: fc.constantFrom(1, 2),
        sequence: fc.constantFrom('q4', null),
        key: fc.nat(3),
      });
      // Rounds of drafts sent at once; between rounds, time may pass beyond the window.
      const round = fc.record({
        requests: fc.array(request, { minLength: 2, maxLength: 8 }),
        later: fc.boolean(),
      });
      let run = 0;
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(fc.array(round, { minLength: 1, maxLength: 3 }), async (rounds) => {
          run++;
          const current = new Map<string, string>();
          for (const [r, { requests, later }] of rounds.entries()) {
            const answers = await Promise.all(
              requests.map(async ({ lead, sequence, key }) => ({
                slot: `${lead}|${sequence}`,
                result: await client.callTool({
                  name: 'create_outreach_draft',
                  arguments: {
                    ...draft(lead, `p${run}:r${r}:${lead}:${sequence}:${key}`, sequence),
                    subject: `run ${run}`,
                  },
                }),
              })),
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
              const { draft: saved } = result.structuredContent as Result;
              seen.add(saved.id);
              ids.set(slot, (ids.get(slot) ?? new Set()).add(saved.id));
            }
            for (const [slot, slotIds] of ids) {
              expect(slotIds.size).toBe(1);
              const [id] = slotIds;
              // Within the window the answer is the draft the slot already had, if it had one.
              if (current.has(slot)) expect(id).toBe(current.get(slot));
              current.set(slot, id as string);
            }
            if (later) {
              await age(8);
              current.clear();
            }
          }
          expect(await draftCount()).toBe(seen.size);
        }),
        { numRuns: 10 },
      );
    });

    it('saves a batch of drafts in one call, each item with create_outreach_draft’s rules', async () => {
      const client = await start();
      const before = await create(client, draft(1, 'single-1'));
      const batch = async (items: Record<string, unknown>[]) => {
        const result = await client.callTool({ name: 'create_outreach_drafts', arguments: { items } });
        expect(result.isError).toBeFalsy();
        return (
          result.structuredContent as { results: { ok: boolean; value?: Result; replayed?: boolean }[] }
        ).results;
      };
      const items = [
        draft(1, 'batch-1'), // lead 1 has a draft in this sequence: answered with it
        draft(2, 'batch-2'),
        draft(2, 'batch-3'), // the same lead and sequence as the item before: answered with its draft
        draft(2, 'batch-4', null),
        draft(3, 'batch-5'),
      ];
      const first = await batch(items);
      expect(first.map((r) => r.value?.existing)).toEqual([true, false, true, false, false]);
      expect(first[0]?.value?.draft.id).toBe(before.draft.id);
      expect(first[2]?.value?.draft.id).toBe(first[1]?.value?.draft.id);
      expect(first[3]?.value?.draft.sequence).toBeNull();
      expect(await draftCount()).toBe(4);
      // The same items again are replays of their first answers; nothing is saved.
      const again = await batch(items);
      expect(again.map((r) => r.replayed)).toEqual([true, true, true, true, true]);
      expect(again.map((r) => r.value?.draft.id)).toEqual(first.map((r) => r.value?.draft.id));
      expect(await draftCount()).toBe(4);
    });

    it('ends concurrent batches and single drafts with one draft per lead and sequence', async () => {
      const client = await start();
      const leads = [1, 2, 3, 4, 5, 6];
      // Two batches over the same leads in opposite orders, and single calls, all at once.
      const calls = [
        client.callTool({
          name: 'create_outreach_drafts',
          arguments: { items: leads.map((n) => draft(n, `up-${n}`)) },
        }),
        client.callTool({
          name: 'create_outreach_drafts',
          arguments: { items: [...leads].reverse().map((n) => draft(n, `down-${n}`)) },
        }),
        ...leads.map((n) =>
          client.callTool({ name: 'create_outreach_draft', arguments: draft(n, `one-${n}`) }),
        ),
      ];
      const answers = await Promise.all(calls);
      expect(answers.every((answer) => !answer.isError)).toBe(true);
      expect(await draftCount()).toBe(leads.length);
    });

    it('normalizes the lead and never sends: every draft is a draft', async () => {
      const client = await start();
      const created = await client.callTool({ name: 'create_outreach_draft', arguments: draft(1, 'k1') });
      expect(created.structuredContent).toMatchObject({
        draft: {
          lead_email: 'lead1@acme.com',
          domain: 'acme.com',
          status: 'draft',
          sequence: 'q4-expansion',
        },
      });
      const { draft: saved } = created.structuredContent as Result;
      const read = await client.callTool({ name: 'get_outreach_draft', arguments: { id: saved.id } });
      expect(read.structuredContent).toEqual({ draft: saved });
    });

    it('answers not_found for an unknown id and invalid_input for a malformed one', async () => {
      const client = await start();
      const missing = await client.callTool({
        name: 'get_outreach_draft',
        arguments: { id: '00000000-0000-4000-8000-000000000000' },
      });
      expect(toolErrorEnvelopeSchema.parse(missing.structuredContent).error.code).toBe('not_found');
      const bad = await client.callTool({ name: 'get_outreach_draft', arguments: { id: 'nope' } });
      expect(toolErrorEnvelopeSchema.parse(bad.structuredContent).error).toMatchObject({
        code: 'invalid_input',
        details: { issues: [{ path: 'id' }] },
      });
    });

    it('pages through drafts of one lead', async () => {
      const client = await start();
      for (let i = 0; i < 5; i++)
        await client.callTool({ name: 'create_outreach_draft', arguments: draft(1, `k${i}`, `s${i}`) });
      await client.callTool({ name: 'create_outreach_draft', arguments: draft(2, 'other') });
      const subjects: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await client.callTool({
          name: 'list_outreach_drafts',
          arguments: { filter: { lead_email: 'lead1@acme.com' }, limit: 2, ...(cursor ? { cursor } : {}) },
        });
        const content = page.structuredContent as { drafts: unknown[]; next_cursor: string | null };
        subjects.push(content.drafts.length);
        cursor = content.next_cursor;
      } while (cursor);
      expect(subjects).toEqual([2, 2, 1]);
    });

    it('lists only read tools when granted only drafts:read', async () => {
      const client = await start(['drafts:read']);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(['get_outreach_draft', 'list_outreach_drafts']);
      // The batch create is a create too: not listed without drafts:create.
    });
  });
});
