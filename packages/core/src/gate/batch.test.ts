import { Writable } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { RateLimitedError, UpstreamUnavailableError } from '../errors/ToolError.ts';
import { createServer, type TollgateServer } from '../server/createServer.ts';
import { defineBatchTool } from '../tool/defineBatchTool.ts';

/** A server and an SDK client on its HTTP handler, with its call records collected. */
async function connect(server: TollgateServer) {
  const handler = server.httpHandler();
  const client = new Client({ name: 'test', version: '0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('http://batch.test/mcp'), {
      fetch: (url, init) => handler.fetch(new Request(url, init)),
    }),
  );
  open.push(async () => {
    await client.close();
    await server.close();
  });
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    return {
      isError: result.isError === true,
      text: result.content[0]?.type === 'text' ? result.content[0].text : '',
      structured: result.structuredContent as Record<string, unknown> & {
        results: {
          ok: boolean;
          value?: Record<string, unknown>;
          error?: Record<string, unknown>;
          replayed?: boolean;
        }[];
      },
      meta: result._meta,
    };
  };
  return { client, call };
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

function records() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, calls: () => lines.filter((line) => line.event === 'tool_call') };
}

describe('a batch read', () => {
  let seen: string[][] = [];
  const getAccounts = defineBatchTool({
    name: 'get_accounts',
    description: 'Look up to 3 accounts by domain.',
    scopes: ['accounts:read'],
    kind: 'read',
    maxItems: 3,
    item: z.object({ domain: z.string().min(3).describe('Company domain') }),
    value: z.object({ domain: z.string().describe('The domain'), name: z.string().describe('Its name') }),
    handler: (items) => {
      seen.push(items.map((item) => item.domain));
      return items.map(({ domain }) => {
        if (domain === 'busy.com') return new RateLimitedError('Vendor limit.', { retryAfterMs: 2000 });
        if (domain === 'odd.com') return { domain, name: 42 } as unknown as { domain: string; name: string };
        if (domain === 'down.com') throw new UpstreamUnavailableError('The vendor is down.');
        return { domain, name: domain.toUpperCase() };
      });
    },
  });
  const start = (log = records()) =>
    connect(
      createServer({ name: 'batch', version: '1', tools: [getAccounts], log: { destination: log.stream } }),
    );

  it('answers every item in input order, each with its value or its own error', async () => {
    seen = [];
    const log = records();
    const { call } = await start(log);
    const answer = await call('get_accounts', {
      items: [{ domain: 'acme.com' }, { domain: 'x' }, { domain: 'busy.com' }],
    });
    expect(answer.isError).toBe(false);
    expect(answer.structured.results).toEqual([
      { ok: true, value: { domain: 'acme.com', name: 'ACME.COM' } },
      {
        ok: false,
        error: expect.objectContaining({
          code: 'invalid_input',
          retryable: false,
          details: expect.objectContaining({ issues: [expect.objectContaining({ path: 'items.1.domain' })] }),
        }),
      },
      {
        ok: false,
        error: expect.objectContaining({ code: 'rate_limited', retryable: true, retry_after_ms: 2000 }),
      },
    ]);
    // The invalid item never reached the handler.
    expect(seen).toEqual([['acme.com', 'busy.com']]);
    // What the model reads is the text: each item's code, retryability and delay are there.
    expect(answer.text).toContain('"code":"rate_limited"');
    expect(answer.text).toContain('"retry_after_ms":2000');
    expect(answer.text).toContain('"code":"invalid_input"');
    expect(log.calls()[0]).toMatchObject({
      tool: 'get_accounts',
      outcome: 'ok',
      items: { total: 3, ok: 1, replayed: 0, failed: { invalid_input: 1, rate_limited: 1 } },
    });
  });

  it('refuses an item of the wrong shape alone, as a contract violation', async () => {
    const { call } = await start();
    const answer = await call('get_accounts', { items: [{ domain: 'odd.com' }, { domain: 'acme.com' }] });
    expect(answer.structured.results.map((result) => result.error?.code ?? 'ok')).toEqual([
      'upstream_contract_violation',
      'ok',
    ]);
  });

  it('fails as a whole when the request does, and refuses a list out of bounds without running', async () => {
    seen = [];
    const { call } = await start();
    const down = await call('get_accounts', { items: [{ domain: 'acme.com' }, { domain: 'down.com' }] });
    expect(down.isError).toBe(true);
    expect(down.structured).toMatchObject({ error: { code: 'upstream_unavailable', retryable: true } });
    seen = [];
    for (const items of [[], [1, 2, 3, 4].map((i) => ({ domain: `a${i}.com` })), 'acme.com']) {
      const refused = await call('get_accounts', { items });
      expect(refused.structured).toMatchObject({ error: { code: 'invalid_input', retryable: false } });
      expect(refused.text).toContain('items');
    }
    expect(seen).toEqual([]);
  });

  it('lists one item’s schema inside the list, with its bounds', async () => {
    const { client } = await start();
    const { tools } = await client.listTools();
    const properties = tools[0]?.inputSchema.properties as Record<string, Record<string, unknown>>;
    const items = properties.items;
    expect(items).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 3,
      items: { type: 'object', properties: { domain: { type: 'string', minLength: 3 } } },
    });
  });
});

describe('a batch create with a local effect', () => {
  const makeTasks = () =>
    defineBatchTool({
      name: 'create_tasks',
      description: 'Create up to 100 tasks, each with its own idempotency_key.',
      scopes: ['tasks:create'],
      kind: 'create',
      item: z.object({
        domain: z.string().min(3).describe('Account domain'),
        note: z.string().describe('What to do'),
      }),
      value: z.object({ id: z.number().int().describe('Task id'), domain: z.string().describe('Account') }),
      handler: async (items, ctx) => {
        const answers = [];
        for (const item of items) {
          if (item.note === 'refuse') {
            answers.push(new RateLimitedError('Not now.', { retryAfterMs: 100 }));
            continue;
          }
          const { rows } = await ctx.db.query<{ id: number }>(
            'INSERT INTO tasks (domain, note) VALUES ($1, $2) RETURNING id',
            [item.domain, item.note],
          );
          answers.push({ id: rows[0]?.id as number, domain: item.domain });
        }
        return answers;
      },
    });
  const start = () => {
    const server = createServer({
      name: 'tasks',
      version: '1',
      tools: [makeTasks()],
      store: { memory: true },
      migrations: [
        {
          version: 1,
          name: 'tasks',
          sql: 'CREATE TABLE tasks (id serial PRIMARY KEY, domain text, note text)',
        },
      ],
      log: { level: 'silent' },
    });
    return connect(server).then((connection) => ({ ...connection, server }));
  };
  const count = async (server: TollgateServer) =>
    Number((await server.store?.query<{ n: string }>('SELECT count(*) AS n FROM tasks'))?.rows[0]?.n);

  it('keys each item on its own: a repeat replays, other arguments are refused, new keys run', async () => {
    const { call, server } = await start();
    const first = await call('create_tasks', {
      items: [
        { domain: 'acme.com', note: 'research', idempotency_key: 'k1' },
        { domain: 'globex.com', note: 'research', idempotency_key: 'k2' },
      ],
    });
    expect(first.structured, first.text).toHaveProperty('results');
    expect(first.structured.results.map((result) => result.ok)).toEqual([true, true]);
    const again = await call('create_tasks', {
      items: [
        { domain: 'acme.com', note: 'research', idempotency_key: 'k1' },
        { domain: 'globex.com', note: 'something else', idempotency_key: 'k2' },
        { domain: 'initech.com', note: 'research', idempotency_key: 'k3' },
      ],
    });
    const [replay, reused, fresh] = again.structured.results;
    expect(replay).toEqual({ ok: true, value: first.structured.results[0]?.value, replayed: true });
    expect(reused?.error).toMatchObject({ code: 'idempotency_key_reused', retryable: false });
    expect(fresh).toMatchObject({ ok: true, value: { domain: 'initech.com' } });
    expect(await count(server)).toBe(3);
    // Only when every item is a replay is the call itself marked replayed.
    const replayAll = await call('create_tasks', {
      items: [{ domain: 'acme.com', note: 'research', idempotency_key: 'k1' }],
    });
    expect(replayAll.meta?.['tollgate/replayed']).toBe(true);
    expect(again.meta?.['tollgate/replayed']).not.toBe(true);
  });

  it('makes one effect for two items of one call with one key', async () => {
    const { call, server } = await start();
    const item = { domain: 'acme.com', note: 'research', idempotency_key: 'same' };
    const answer = await call('create_tasks', {
      items: [item, item, { ...item, note: 'other' }],
    });
    const [one, two, three] = answer.structured.results;
    expect(one?.ok).toBe(true);
    expect(two).toEqual({ ok: true, value: one?.value, replayed: true });
    expect(three?.error).toMatchObject({ code: 'idempotency_key_reused' });
    expect(await count(server)).toBe(1);
  });

  it('gives a failed item its key back and writes nothing for it, invalid ones included', async () => {
    const { call, server } = await start();
    const answer = await call('create_tasks', {
      items: [
        { domain: 'acme.com', note: 'refuse', idempotency_key: 'r1' },
        { domain: 'x', note: 'research', idempotency_key: 'r2' },
        { domain: 'globex.com', note: 'research', idempotency_key: 'r3' },
      ],
    });
    expect(answer.structured.results.map((result) => result.error?.code ?? 'ok')).toEqual([
      'rate_limited',
      'invalid_input',
      'ok',
    ]);
    expect(await count(server)).toBe(1);
    // The same keys, corrected: they run now, and the one that succeeded replays.
    const retry = await call('create_tasks', {
      items: [
        { domain: 'acme.com', note: 'research', idempotency_key: 'r1' },
        { domain: 'xyz.com', note: 'research', idempotency_key: 'r2' },
        { domain: 'globex.com', note: 'research', idempotency_key: 'r3' },
      ],
    });
    expect(retry.structured.results.map((result) => [result.ok, result.replayed ?? false])).toEqual([
      [true, false],
      [true, false],
      [true, true],
    ]);
    expect(await count(server)).toBe(3);
  });

  it('makes each key’s effect once when callers race with overlapping batches', async () => {
    const { call, server } = await start();
    const items = (keys: string[]) =>
      keys.map((key) => ({ domain: `${key}.com`, note: 'n', idempotency_key: key }));
    const answers = await Promise.all([
      call('create_tasks', { items: items(['a', 'b', 'c']) }),
      call('create_tasks', { items: items(['c', 'd', 'a']) }),
      call('create_tasks', { items: items(['b', 'd', 'e']) }),
    ]);
    for (const answer of answers) {
      for (const result of answer.structured.results) {
        // Each item either ran, replayed, or was told to retry shortly.
        if (!result.ok)
          expect(result.error).toMatchObject({ code: 'idempotency_in_progress', retryable: true });
      }
    }
    expect(await count(server)).toBe(5);
  });
});

describe('a batch create with an upstream effect', () => {
  /**
   * A contacts server whose vendor makes every contact of the first call and loses its answer;
   * `recover` finds the contacts of all the recovering items in one lookup, and answers a failed
   * lookup for `unreachable` emails (or, with `lookup`, fails the whole lookup that way).
   */
  async function contactsServer(
    unreachable: readonly string[] = [],
    lookup: 'answers' | 'throws-tool-error' | 'throws-bug' | 'short' = 'answers',
  ) {
    const upstream = new Map<string, number>();
    const counts = { made: 0, lookups: [] as string[][] };
    let failNext = true;
    const tool = defineBatchTool({
      name: 'create_contacts',
      description: 'Create up to 100 contacts upstream, each with its own idempotency_key.',
      scopes: ['contacts:create'],
      kind: 'create',
      openWorld: true,
      item: z.object({ email: z.string().describe('Email') }),
      value: z.object({ id: z.number().int().describe('Upstream id') }),
      handler: (items) => {
        const answers = items.map((item) => {
          const id = ++counts.made;
          upstream.set(item.idempotency_key, id);
          return { id };
        });
        // The vendor made them all, and the answer was lost on the way back.
        if (failNext) {
          failNext = false;
          throw new UpstreamUnavailableError('Connection reset.');
        }
        return answers;
      },
      recover: async (items) => {
        counts.lookups.push(items.map((item) => item.idempotency_key));
        if (lookup === 'throws-tool-error') throw new UpstreamUnavailableError('Search answered 504.');
        if (lookup === 'throws-bug') throw new TypeError('lookup bug');
        const answers = items.map((item) => {
          if (unreachable.includes(item.email)) return new UpstreamUnavailableError('Search answered 504.');
          const id = upstream.get(item.idempotency_key);
          return id === undefined ? undefined : { id };
        });
        return lookup === 'short' ? answers.slice(1) : answers;
      },
    });
    const { call } = await connect(
      createServer({
        name: 'contacts',
        version: '1',
        tools: [tool],
        store: { memory: true },
        log: { level: 'silent' },
      }),
    );
    return { call, counts };
  }

  it('looks for the items’ effects after a failed call, in one lookup, instead of making them twice', async () => {
    const { call, counts } = await contactsServer();
    const args = {
      items: [
        { email: 'ada@acme.com', idempotency_key: 'c1' },
        { email: 'bob@acme.com', idempotency_key: 'c2' },
      ],
    };
    const lost = await call('create_contacts', args);
    expect(lost.structured).toMatchObject({ error: { code: 'upstream_unavailable', retryable: true } });
    const retry = await call('create_contacts', {
      items: [...args.items, { email: 'cy@acme.com', idempotency_key: 'c3' }],
    });
    expect(retry.structured.results).toEqual([
      { ok: true, value: { id: 1 } },
      { ok: true, value: { id: 2 } },
      { ok: true, value: { id: 3 } },
    ]);
    expect(counts.made).toBe(3);
    // Only the items that took over an unfinished key are looked up, together.
    expect(counts.lookups).toEqual([['c1', 'c2']]);
  });

  it('answers an item whose recovery lookup fails alone, and recovers the others', async () => {
    const { call, counts } = await contactsServer(['flaky@acme.com']);
    const items = [
      { email: 'ada@acme.com', idempotency_key: 'c1' },
      { email: 'flaky@acme.com', idempotency_key: 'c2' },
    ];
    expect((await call('create_contacts', { items })).isError).toBe(true);
    const retry = await call('create_contacts', { items });
    expect(retry.structured.results).toEqual([
      { ok: true, value: { id: 1 } },
      { ok: false, error: expect.objectContaining({ code: 'upstream_unavailable', retryable: true }) },
    ]);
    expect(counts.made).toBe(2);
  });

  it('answers every looked-up item with a classified failure of the whole lookup, and still runs the others', async () => {
    const { call, counts } = await contactsServer([], 'throws-tool-error');
    const items = [
      { email: 'ada@acme.com', idempotency_key: 'c1' },
      { email: 'bob@acme.com', idempotency_key: 'c2' },
    ];
    expect((await call('create_contacts', { items })).isError).toBe(true);
    const retry = await call('create_contacts', {
      items: [...items, { email: 'cy@acme.com', idempotency_key: 'c3' }],
    });
    expect(retry.isError).toBe(false);
    expect(retry.structured.results).toEqual([
      { ok: false, error: expect.objectContaining({ code: 'upstream_unavailable', retryable: true }) },
      { ok: false, error: expect.objectContaining({ code: 'upstream_unavailable', retryable: true }) },
      { ok: true, value: { id: 3 } },
    ]);
    expect(counts.made).toBe(3);
  });

  it('fails the call when the lookup throws something unclassified or answers the wrong number of items', async () => {
    for (const lookup of ['throws-bug', 'short'] as const) {
      const { call, counts } = await contactsServer([], lookup);
      const items = [
        { email: 'ada@acme.com', idempotency_key: 'c1' },
        { email: 'bob@acme.com', idempotency_key: 'c2' },
      ];
      expect((await call('create_contacts', { items })).isError).toBe(true);
      const retry = await call('create_contacts', { items });
      expect(retry.isError).toBe(true);
      expect(retry.structured).toMatchObject({ error: { code: 'internal' } });
      // Nothing was made a second time.
      expect(counts.made).toBe(2);
    }
  });
});
