import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';

const serverPath = fileURLToPath(new URL('./notes-server.ts', import.meta.url));
const API_KEY = 'notes-upstream-key-5up3r-s3cr3t';

let client: Client | undefined;
const homes: string[] = [];
afterEach(async () => {
  await client?.close();
  client = undefined;
  for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
});

/** Starts the example as a real child process over stdio, the way Claude Code starts a server. */
async function start(env: Record<string, string> = {}) {
  const home = await mkdtemp(join(tmpdir(), 'tollgate-notes-'));
  homes.push(home);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', serverPath],
    env: { PATH: process.env.PATH ?? '', NOTES_API_KEY: API_KEY, TOLLGATE_HOME: home, ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  client = new Client({ name: 'stdio-test', version: '1' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

async function until(predicate: () => boolean, timeoutMs = 5_000) {
  const started = Date.now();
  while (!predicate() && Date.now() - started < timeoutMs) await new Promise((r) => setTimeout(r, 20));
}

describe('the notes example as a stdio child process', () => {
  it('lists, creates and reads notes, and records each call on stderr as JSON', async () => {
    const { client, stderr } = await start();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['add_note', 'get_note']);

    const created = await client.callTool({
      name: 'add_note',
      arguments: { text: 'call acme', idempotency_key: 'n-1' },
      _meta: { 'tollgate/attempt': 2 },
    });
    expect(created.structuredContent).toEqual({ id: 'n-1', text: 'call acme' });
    const again = await client.callTool({
      name: 'add_note',
      arguments: { text: 'call acme', idempotency_key: 'n-1' },
    });
    expect(again.structuredContent).toEqual(created.structuredContent);
    expect(again._meta).toMatchObject({ 'tollgate/replayed': true });
    const read = await client.callTool({ name: 'get_note', arguments: { id: 'n-1' } });
    expect(read.structuredContent).toEqual({ id: 'n-1', text: 'call acme' });

    await until(
      () =>
        stderr()
          .split('\n')
          .filter((line) => line.includes('"tool_call"')).length >= 3,
    );
    const events = stderr()
      .split('\n')
      .filter((line) => line.includes('"tool_call"'))
      .map((line) => JSON.parse(line));
    expect(events.map((event) => [event.tool, event.outcome, event.attempt, event.principal])).toEqual([
      ['add_note', 'ok', 2, 'local'],
      ['add_note', 'ok', 1, 'local'],
      ['get_note', 'ok', 1, 'local'],
    ]);
  });

  it('keeps the upstream key out of the result and the log when a handler leaks it', async () => {
    const { client, stderr } = await start();
    const result = await client.callTool({
      name: 'add_note',
      arguments: { text: 'crash', idempotency_key: 'n-2' },
    });
    expect(result.isError).toBe(true);
    await until(() => stderr().includes('"internal"'));
    expect(stderr()).toContain('storage failed using key [REDACTED]');
    expect(stderr()).not.toContain(API_KEY);
    expect(JSON.stringify(result)).not.toContain(API_KEY);
  });

  it('hides tools its configured scopes do not grant', async () => {
    const { client } = await start({ NOTES_SCOPES: 'notes:read' });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['get_note']);
  });
});
