import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { countEffects } from '../../test/testTools.ts';
import { openPglite } from '../store/PgliteDatabase.ts';

const here = (file: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, file)).href);

/**
 * A real server process with a local create (its effect and key in its own PGlite) and an upstream
 * create (its effect in another PGlite standing in for a vendor), whose handlers take `delay` ms
 * before writing: long enough to kill the process in the middle of the call.
 */
const SERVER = [
  `const { openPglite } = await import(${here('../store/PgliteDatabase.ts')});`,
  `const { localCreate, upstreamCreate, setUpEffects, behaviours } = await import(${here('../../test/testTools.ts')});`,
  `const { createServer } = await import(${here('../server/createServer.ts')});`,
  'const [dataDir, delay] = process.argv.slice(1);',
  'const db = await openPglite({ dataDir });',
  "const upstream = await openPglite({ dataDir: dataDir + '-upstream' });",
  'await setUpEffects(db);',
  'await setUpEffects(upstream);',
  "behaviours.set('slow', { delayMs: Number(delay) });",
  "const server = createServer({ name: 'crashy', version: '1', tools: [localCreate(), upstreamCreate(upstream)], store: db, log: { level: 'silent' }, onClose: () => upstream.close() });",
  'await server.start();',
].join('\n');

async function startServer(dataDir: string, delayMs: number) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', '--input-type=module', '-e', SERVER, dataDir, String(delayMs)],
    env: { PATH: process.env.PATH ?? '' },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'crash-test', version: '1' });
  await client.connect(transport);
  return { client, pid: transport.pid as number };
}

const args = { label: 'a', behaviour: 'slow', idempotency_key: 'k1' };

describe('a local create whose server is killed mid-call', () => {
  let dir = '';
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}-upstream`, { recursive: true, force: true });
  });

  it('is free for the next attempt at once, not after a lease, and its effect is made once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-crash-'));
    const first = await startServer(dir, 30_000);
    const inFlight = first.client
      .callTool({ name: 'create_local', arguments: args }, { timeout: 60_000 })
      .catch(() => 'gone');
    // The call is inside its transaction, waiting before its write.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    process.kill(first.pid, 'SIGKILL');
    expect(await inFlight).toBe('gone');

    const second = await startServer(dir, 0);
    const result = await second.client.callTool({ name: 'create_local', arguments: args });
    // Before, the dead owner's key answered idempotency_in_progress for its whole 60 s lease.
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ label: 'a' });
    const replay = await second.client.callTool({ name: 'create_local', arguments: args });
    expect(replay._meta?.['tollgate/replayed']).toBe(true);
    await second.client.close();

    const db = await openPglite({ dataDir: dir });
    expect(await countEffects(db, 'local_effects', 'k1')).toBe(1);
    await db.close();
  }, 90_000);
});

describe('an upstream create whose server is killed mid-call', () => {
  let dir = '';
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}-upstream`, { recursive: true, force: true });
  });

  it('is taken over by the next process at once, which looks for the effect and makes it once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-crash-'));
    const first = await startServer(dir, 30_000);
    const inFlight = first.client
      .callTool({ name: 'create_upstream', arguments: args }, { timeout: 60_000 })
      .catch(() => 'gone');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    process.kill(first.pid, 'SIGKILL');
    expect(await inFlight).toBe('gone');

    const second = await startServer(dir, 0);
    const result = await second.client.callTool({ name: 'create_upstream', arguments: args });
    // Before, the dead process's claim answered idempotency_in_progress until its 60 s lease ran out.
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ label: 'a' });
    const replay = await second.client.callTool({ name: 'create_upstream', arguments: args });
    expect(replay._meta?.['tollgate/replayed']).toBe(true);
    await second.client.close();

    const upstream = await openPglite({ dataDir: `${dir}-upstream` });
    expect(await countEffects(upstream, 'upstream_effects', 'k1')).toBe(1);
    await upstream.close();
  }, 90_000);
});
