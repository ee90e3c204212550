import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/tollgate.js', import.meta.url));
let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tollgate-home-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

/** `tollgate serve crm` as a real child process, the way Claude Code starts it. */
async function connect(env: Record<string, string> = {}) {
  const client = new Client({ name: 'serve-test', version: '1' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'serve', 'crm'],
    env: { PATH: process.env.PATH ?? '', TOLLGATE_HOME: home, ...env },
    stderr: 'pipe',
  });
  await client.connect(transport);
  return client;
}

describe('tollgate serve crm over stdio', () => {
  it('serves the CRM tools and keeps records across restarts', async () => {
    const first = await connect();
    const { tools } = await first.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
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
    ]);
    const written = await first.callTool({
      name: 'upsert_account',
      arguments: { domain: 'www.globex.com', score: 71 },
    });
    expect(written.structuredContent).toMatchObject({ created: true, account: { domain: 'globex.com' } });
    await first.close();

    const second = await connect();
    const read = await second.callTool({ name: 'get_account', arguments: { domain: 'globex.com' } });
    expect(read.structuredContent).toMatchObject({ account: { domain: 'globex.com', score: 71 } });
    await second.close();
  });

  it('is read-only with CRM_SCOPES set to read scopes', async () => {
    const client = await connect({ CRM_SCOPES: 'accounts:read leads:read' });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['get_account', 'get_accounts', 'search_leads']);
    await client.close();
  });
});
