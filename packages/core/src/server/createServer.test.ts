import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLogs } from '@tollgate/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { makeTool, probeTool } from '../../test/fixtures.ts';
import { toolErrorEnvelopeSchema } from '../gate/CompiledTool.ts';
import { Gate } from '../gate/Gate.ts';
import { defineTool } from '../tool/defineTool.ts';
import { createServer, type TollgateServer } from './createServer.ts';

const errorOf = (result: { structuredContent?: unknown }) =>
  toolErrorEnvelopeSchema.parse(result.structuredContent).error;

let server: TollgateServer | undefined;
let home: string | undefined;
const savedHome = process.env.TOLLGATE_HOME;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (savedHome === undefined) delete process.env.TOLLGATE_HOME;
  else process.env.TOLLGATE_HOME = savedHome;
  if (home) await rm(home, { recursive: true, force: true });
  home = undefined;
});

describe('createServer', () => {
  it('gives a server with a create tool an embedded store by default, and enforces keys with it', async () => {
    home = await mkdtemp(join(tmpdir(), 'tollgate-home-'));
    process.env.TOLLGATE_HOME = home;
    server = createServer({
      name: 'notes',
      version: '1',
      tools: [makeTool],
      log: { destination: captureLogs().stream },
    });
    expect(server.store?.location).toBe(join(home, 'notes', 'pgdata'));
    // Opened on first use, not at construction.
    expect(existsSync(join(home, 'notes', 'pgdata', 'PG_VERSION'))).toBe(false);

    const principal = { id: 'p', scopes: new Set(['things:create', 'probe:read']) };
    const call = (args: Record<string, unknown>) =>
      (server as TollgateServer).gate.call({ name: 'make', arguments: args, principal });
    const first = await call({ name: 'a', idempotency_key: 'k1' });
    const replay = await call({ name: 'a', idempotency_key: 'k1' });
    const reused = await call({ name: 'b', idempotency_key: 'k1' });
    expect(first.isError).toBeFalsy();
    expect(replay.structuredContent).toEqual(first.structuredContent);
    expect(replay._meta).toMatchObject({ 'tollgate/replayed': true });
    expect(errorOf(reused).code).toBe('idempotency_key_reused');
    expect(existsSync(join(home, 'notes', 'pgdata', 'PG_VERSION'))).toBe(true);
  });

  it('opens no store for a server that only reads', () => {
    server = createServer({
      name: 'reader',
      version: '1',
      tools: [probeTool],
      log: { destination: captureLogs().stream },
    });
    expect(server.store).toBeUndefined();
  });

  it('grants every scope its tools need unless told otherwise, and lists a tool only with all of them', async () => {
    server = createServer({
      name: 'scoped',
      version: '1',
      tools: [probeTool, makeTool],
      store: { memory: true },
      log: { destination: captureLogs().stream },
    });
    const listed = server.gate.list({ id: 'local', scopes: new Set(['probe:read', 'things:create']) });
    expect(listed.map((tool) => tool.name).sort()).toEqual(['make', 'probe']);
    const narrowed = createServer({
      name: 'narrow',
      version: '1',
      tools: [probeTool, makeTool],
      grantedScopes: ['probe:read'],
      store: { memory: true },
      log: { destination: captureLogs().stream },
    });
    try {
      // The stdio principal holds what the server grants: make needs things:create too.
      const refused = await narrowed.gate.call({
        name: 'make',
        arguments: { name: 'a', idempotency_key: 'k' },
        principal: { id: 'local', scopes: new Set(['probe:read']) },
      });
      expect(errorOf(refused).code).toBe('forbidden');
    } finally {
      await narrowed.close();
    }
  });

  it('titles a tool from its name when it has no title', () => {
    const untitled = defineTool({
      name: 'list_open_things',
      description: 'Lists things; for tests.',
      scopes: ['things:read'],
      kind: 'read',
      input: z.object({}),
      output: z.object({ count: z.number().describe('How many') }),
      handler: () => ({ count: 0 }),
    });
    server = createServer({
      name: 't',
      version: '1',
      tools: [untitled],
      log: { destination: captureLogs().stream },
    });
    const [listed] = server.gate.list({ id: 'x', scopes: new Set(['things:read']) });
    expect(listed?.title).toBe('List open things');
    expect(listed?.annotations?.title).toBe('List open things');
  });

  it('starts once', async () => {
    server = createServer({
      name: 'once',
      version: '1',
      tools: [probeTool],
      log: { destination: captureLogs().stream },
    });
    await server.start({ http: {}, process: false });
    await expect(server.start({ http: {}, process: false })).rejects.toThrow(/start it once/);
  });
});

describe('the gate', () => {
  it('refuses to serve a create tool without an idempotency step', () => {
    const logger = { child: () => logger } as never;
    expect(
      () =>
        new Gate({
          server: 'bare',
          tools: [makeTool],
          logger,
          recordLogger: logger,
          redactor: { string: (s: string) => s } as never,
          defaultTimeoutMs: 1000,
        }),
    ).toThrow(/make is a create tool.*idempotency/);
  });
});
