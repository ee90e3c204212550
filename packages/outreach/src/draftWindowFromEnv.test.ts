import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectInProcess } from '@tollgate/core/testing';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { createOutreachServerFromEnv } from './createOutreachServer.ts';
import { describeDraftWindow, draftWindowMsFromEnv } from './draftWindowFromEnv.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('the draft window setting', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('is a week unless OUTREACH_DRAFT_WINDOW_DAYS says otherwise, in days, 0 meaning no limit', () => {
    expect(draftWindowMsFromEnv({})).toBe(7 * DAY_MS);
    expect(draftWindowMsFromEnv({ OUTREACH_DRAFT_WINDOW_DAYS: ' ' })).toBe(7 * DAY_MS);
    expect(draftWindowMsFromEnv({ OUTREACH_DRAFT_WINDOW_DAYS: '30' })).toBe(30 * DAY_MS);
    expect(draftWindowMsFromEnv({ OUTREACH_DRAFT_WINDOW_DAYS: '0.5' })).toBe(DAY_MS / 2);
    expect(draftWindowMsFromEnv({ OUTREACH_DRAFT_WINDOW_DAYS: '0' })).toBe(0);
    expect([1, 7, 0.5].map((days) => describeDraftWindow(days * DAY_MS))).toEqual([
      '1 day',
      '7 days',
      '0.5 days',
    ]);
  });

  it('refuses to start, naming the setting, for a value that is not a number of days', async () => {
    for (const value of ['a week', '-1', '1e9', 'Infinity']) {
      expect(() => draftWindowMsFromEnv({ OUTREACH_DRAFT_WINDOW_DAYS: value })).toThrow(
        /OUTREACH_DRAFT_WINDOW_DAYS must be a number of days/,
      );
    }
    // Before any database is opened.
    await expect(
      createOutreachServerFromEnv({
        OUTREACH_DRAFT_WINDOW_DAYS: 'soon',
        OUTREACH_DATA_DIR: '/nonexistent/x',
      }),
    ).rejects.toThrow(/OUTREACH_DRAFT_WINDOW_DAYS/);
  });

  it('reaches the server that tollgate serve outreach builds', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tollgate-outreach-env-'));
    await copyFile(inject('pgliteSnapshot'), join(home, '.pglite-empty.tar'));
    vi.stubEnv('TOLLGATE_HOME', home);
    vi.stubEnv('TOLLGATE_LOG_LEVEL', 'silent');
    const outreach = await createOutreachServerFromEnv({ OUTREACH_DRAFT_WINDOW_DAYS: '0' });
    const { client, close } = await connectInProcess(outreach);
    try {
      const { tools } = await client.listTools();
      const description = tools.find((tool) => tool.name === 'create_outreach_draft')?.description;
      expect(description).toContain('Every call with a new idempotency_key saves a new draft');
      const args = (key: string) => ({
        idempotency_key: key,
        lead_email: 'ada@acme.com',
        domain: 'acme.com',
        subject: 'Hello',
        body: 'Hi Ada',
      });
      const first = await client.callTool({ name: 'create_outreach_draft', arguments: args('a') });
      const second = await client.callTool({ name: 'create_outreach_draft', arguments: args('b') });
      expect([first.structuredContent, second.structuredContent]).toMatchObject([
        { existing: false },
        { existing: false },
      ]);
    } finally {
      await close();
      await outreach.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
