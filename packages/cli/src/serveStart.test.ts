import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';

/**
 * A stdio server starts without its store: it answers `initialize` and `tools/list` before the
 * store opens (Claude Code starts four servers at once and waits for each), opens it on the first
 * tool call, and a store that cannot open fails that call with a typed error, not the process.
 */
const bin = fileURLToPath(new URL('../bin/tollgate.js', import.meta.url));
let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'tollgate-start-'));
});
afterEach(() => rm(home, { recursive: true, force: true }));

const CRM_TOOLS = [
  'create_task',
  'create_tasks',
  'get_account',
  'get_accounts',
  'list_owners',
  'list_tasks',
  'search_leads',
  'upsert_account',
  'upsert_accounts',
  'upsert_lead',
  'upsert_leads',
];

/** `tollgate serve crm` through the bin, as a host starts it. */
async function connect(env: Record<string, string> = {}) {
  const client = new Client({ name: 'serve-start-test', version: '1' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'serve', 'crm'],
    env: { PATH: process.env.PATH ?? '', TOLLGATE_HOME: home, ...env },
    stderr: 'pipe',
  });
  await client.connect(transport);
  return { client, pid: transport.pid };
}

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

interface ToolErrorContent {
  error: { code: string; retryable: boolean; message: string; hint: string };
}

describe('tollgate serve starts before its store opens', () => {
  it('answers initialize and tools/list while its Postgres is unreachable, and each tool call then returns a retryable upstream_unavailable naming the setting', async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const url = 'postgres://tollgate:store-password-1234@127.0.0.1:1/crm';
    const { client } = await connect({ CRM_DATABASE_URL: url });
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(CRM_TOOLS);

      for (const attempt of [1, 2]) {
        const result = await client.callTool({ name: 'get_account', arguments: { domain: 'acme.com' } });
        expect(result.isError, `attempt ${attempt}`).toBe(true);
        const { error } = result.structuredContent as unknown as ToolErrorContent;
        expect(error).toMatchObject({ code: 'upstream_unavailable', retryable: true });
        expect(error.message).toContain('ECONNREFUSED');
        expect(error.hint).toContain('CRM_DATABASE_URL');
        expect(JSON.stringify(result)).not.toContain('store-password-1234');
      }
    } finally {
      await client.close();
    }
  });

  it('creates no embedded database before the first tool call, and opens it then', async () => {
    // The run's initialised database where the server looks for one: no initdb in this test.
    await copyFile(inject('pgliteSnapshot'), join(home, '.pglite-empty.tar'));
    const pgdata = join(home, 'crm', 'pgdata');
    const { client } = await connect();
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(CRM_TOOLS);
      expect(await entries(pgdata)).not.toContain('PG_VERSION');

      const written = await client.callTool({ name: 'upsert_account', arguments: { domain: 'initech.com' } });
      expect(written.isError).toBeFalsy();
      expect(written.structuredContent).toMatchObject({ created: true, account: { domain: 'initech.com' } });
      expect(await entries(pgdata)).toContain('PG_VERSION');
    } finally {
      await client.close();
    }
  });

  it('still refuses a second server on the same home at start, naming the process that holds it', async () => {
    const first = await connect();
    try {
      const second = spawn(process.execPath, [bin, 'serve', 'crm'], {
        env: { PATH: process.env.PATH ?? '', TOLLGATE_HOME: home },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      second.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
      expect(code).not.toBe(0);
      expect(stderr).toContain('in use by');
      expect(stderr).toContain(String(first.pid));
    } finally {
      await first.client.close();
    }
  });
});
