import type { Client } from '@modelcontextprotocol/client';
import { toolErrorEnvelopeSchema } from '@tollgate/core';
import { captureLogs, connectInProcess, type InProcessConnection } from '@tollgate/core/testing';
import { backends } from '@tollgate/core/testing/backends';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutreachServer } from './createOutreachServer.ts';

type Result = { draft: { id: string } };

describe.each(backends())('the outreach server on $name', (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  async function start(grantedScopes?: string[]): Promise<Client> {
    const test = await backend.open();
    cleanups.push(test.drop);
    const outreach = await createOutreachServer({
      db: test.db,
      ...(grantedScopes ? { grantedScopes } : {}),
      log: { destination: captureLogs().stream },
    });
    cleanups.push(outreach.close);
    const connection: InProcessConnection = await connectInProcess(outreach.server);
    cleanups.push(connection.close);
    return connection.client;
  }

  const draft = (n: number, key: string) => ({
    idempotency_key: key,
    lead_email: `Lead${n}@Acme.com`,
    domain: 'acme.com',
    subject: `Hello ${n}`,
    body: 'We noticed your team grew.',
    sequence: 'q4-expansion',
  });

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
              arguments: draft(k, `r${run}-k${k}`),
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
      expect(read.structuredContent).toEqual(created.structuredContent);
    });

    it('refuses a key reused for a different draft', async () => {
      const client = await start();
      await client.callTool({ name: 'create_outreach_draft', arguments: draft(1, 'k1') });
      const reused = await client.callTool({ name: 'create_outreach_draft', arguments: draft(2, 'k1') });
      expect(toolErrorEnvelopeSchema.parse(reused.structuredContent).error.code).toBe(
        'idempotency_key_reused',
      );
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
        await client.callTool({ name: 'create_outreach_draft', arguments: draft(1, `k${i}`) });
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
    });
  });
});
