/**
 * Input an attacker (or a confused model) sends to real `tollgate serve <server>` stdio children,
 * driven by the SDK's client (issue #11, items 4 and 5). Every one of these is the caller's mistake:
 * it must come back as a typed `invalid_input` naming the field, never as `internal`, and it must
 * change nothing. Natural keys are checked the way a CRM admin would: one company is one key
 * whatever its spelling, and what is not a company's host is refused rather than bent into one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/tollgate.js', import.meta.url));

let home: string;
const clients: Client[] = [];
const stderr: Record<string, string> = {};

async function connect(server: 'crm' | 'warehouse' | 'outreach'): Promise<Client> {
  const client = new Client({ name: 'hostile-input-test', version: '1' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'serve', server],
    env: { PATH: process.env.PATH ?? '', TOLLGATE_HOME: home },
    stderr: 'pipe',
  });
  stderr[server] = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr[server] += String(chunk);
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

interface Answer {
  isError: boolean;
  text: string;
  structured: Record<string, unknown>;
  code: string | undefined;
  paths: string[];
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Answer> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text?: string }[])
    .map((part) => part.text ?? '')
    .join('\n');
  const structured = (result.structuredContent ?? {}) as Record<string, unknown>;
  const error = structured.error as { code?: string; details?: { issues?: { path: string }[] } } | undefined;
  return {
    isError: result.isError === true,
    text,
    structured,
    code: error?.code,
    paths: (error?.details?.issues ?? []).map((issue) => issue.path),
  };
}

let crm: Client;
let warehouse: Client;
let outreach: Client;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tollgate-hostile-'));
  [crm, warehouse, outreach] = await Promise.all([connect('crm'), connect('warehouse'), connect('outreach')]);
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await rm(home, { recursive: true, force: true });
});

describe('natural keys a CRM admin would accept', () => {
  it('stores an IDN domain once, whichever spelling is sent', async () => {
    const upserted = await call(crm, 'upsert_account', {
      domain: 'https://www.Bücher.de/preise',
      name: 'Bücher',
    });
    expect(upserted.isError).toBe(false);
    expect((upserted.structured.account as { domain: string }).domain).toBe('xn--bcher-kva.de');
    const again = await call(crm, 'upsert_account', { domain: 'xn--bcher-kva.de', industry: 'Books' });
    expect(again.structured.created).toBe(false);
    const read = await call(crm, 'get_account', { domain: 'BÜCHER.DE' });
    expect(read.structured.account).toMatchObject({
      domain: 'xn--bcher-kva.de',
      name: 'Bücher',
      industry: 'Books',
    });
  });

  it('drops every leading www. down to the registrable domain, and no further', async () => {
    await call(crm, 'upsert_account', { domain: 'www.www.hostile-x.com', name: 'X' });
    expect((await call(crm, 'get_account', { domain: 'hostile-x.com' })).structured.account).toMatchObject({
      domain: 'hostile-x.com',
    });
    // www.co.uk is a company registered under co.uk: its name is its own.
    const underSuffix = await call(crm, 'upsert_account', { domain: 'www.co.uk' });
    expect((underSuffix.structured.account as { domain: string }).domain).toBe('www.co.uk');
  });

  it.each([
    ['a public suffix', 'co.uk'],
    ['a bare TLD', 'com'],
    ['a backslash before credentials', 'hostile-y.com\\@evil.com'],
    ['a URL with credentials', 'https://user:pass@evil.com/'],
    ['an email address', 'jane@evil.com'],
    ['an IP address', '10.0.0.1'],
    ['a non-web URL', 'ftp://evil.com'],
    ['a single-label host', 'localhost'],
  ])('refuses %s (%s) as invalid_input and creates nothing', async (_what, domain) => {
    const answer = await call(crm, 'upsert_account', { domain, name: 'Evil' });
    expect(answer.code).toBe('invalid_input');
    expect(answer.paths).toEqual(['domain']);
    expect(answer.text).toContain('invalid_input');
    for (const probe of ['evil.com', 'hostile-y.com']) {
      expect((await call(crm, 'get_account', { domain: probe })).structured.account).toBeNull();
    }
  });

  it('gives one lead key to both spellings of an IDN email domain', async () => {
    const first = await call(crm, 'upsert_lead', { email: 'Ada@Bücher.de', domain: 'bücher.de' });
    expect(first.structured.lead).toMatchObject({
      email: 'ada@xn--bcher-kva.de',
      domain: 'xn--bcher-kva.de',
    });
    const second = await call(crm, 'upsert_lead', {
      email: 'ada@xn--bcher-kva.de',
      domain: 'xn--bcher-kva.de',
    });
    expect(second.structured.created).toBe(false);
    expect((await call(crm, 'upsert_lead', { email: 'ada@co.uk', domain: 'acme.co.uk' })).code).toBe(
      'invalid_input',
    );
  });
});

describe('client mistakes are invalid_input, never internal', () => {
  it('refuses a NUL character anywhere in the arguments, naming the field', async () => {
    const answer = await call(crm, 'upsert_account', { domain: 'hostile-nul.com', name: 'Ac\u0000me' });
    expect(answer.code).toBe('invalid_input');
    expect(answer.paths).toEqual(['name']);
    expect((await call(crm, 'get_account', { domain: 'hostile-nul.com' })).structured.account).toBeNull();
    const inParams = await call(warehouse, 'run_named_query', {
      name: 'accounts_by_industry',
      params: { industry: 'Software\u0000' },
    });
    expect(inParams.code).toBe('invalid_input');
    expect(inParams.paths).toEqual(['params.industry']);
  });

  it('refuses an integer beyond its column, and advertises the bound', async () => {
    const answer = await call(crm, 'upsert_account', {
      domain: 'hostile-big.com',
      employee_count: 2_147_483_648,
    });
    expect(answer.code).toBe('invalid_input');
    expect(answer.paths).toEqual(['employee_count']);
    const { tools } = await crm.listTools();
    const schema = tools.find((tool) => tool.name === 'upsert_account')?.inputSchema as {
      properties: Record<string, unknown>;
    };
    expect(JSON.stringify(schema.properties.employee_count)).toContain('2147483647');
    const fits = await call(crm, 'upsert_account', {
      domain: 'hostile-big.com',
      employee_count: 2_147_483_647,
    });
    expect(fits.isError).toBe(false);
  });

  it('refuses a date the database has no year for', async () => {
    const answer = await call(warehouse, 'run_named_query', {
      name: 'pricing_interest_since',
      params: { since: '0000-01-01' },
    });
    expect(answer.code).toBe('invalid_input');
    expect(answer.paths).toEqual(['params.since']);
    const fine = await call(warehouse, 'run_named_query', {
      name: 'pricing_interest_since',
      params: { since: '0001-01-01' },
    });
    expect(fine.isError).toBe(false);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'answers run_named_query %s as an unknown query',
    async (name) => {
      const answer = await call(warehouse, 'run_named_query', { name, params: {} });
      expect(answer.code).toBe('invalid_input');
      expect(answer.paths).toEqual(['name']);
    },
  );

  it('binds a cursor to its tool and filter, and refuses a built one', async () => {
    // One open task per account and kind: three accounts make three tasks.
    for (const n of [1, 2, 3]) {
      await call(crm, 'create_task', {
        domain: `hostile-cursor-${n}.com`,
        kind: 'data_review',
        note: `Task ${n}`,
        idempotency_key: `cursor-${n}`,
      });
    }
    const filter = { kind: 'data_review' };
    const page = await call(crm, 'list_tasks', { filter, limit: 1 });
    const cursor = page.structured.next_cursor as string;
    expect(cursor).toEqual(expect.any(String));
    expect((await call(crm, 'list_tasks', { filter, cursor, limit: 1 })).isError).toBe(false);
    const otherFilter = await call(crm, 'list_tasks', { filter: { kind: 'follow_up' }, cursor });
    expect(otherFilter.code).toBe('invalid_input');
    // The same (empty) filter on another tool: the cursor is still not that tool's.
    const unfiltered = (await call(crm, 'list_tasks', { limit: 1 })).structured.next_cursor as string;
    const elsewhere = await call(crm, 'search_leads', { cursor: unfiltered });
    expect(elsewhere.code).toBe('invalid_input');
    expect(elsewhere.paths).toEqual(['cursor']);
    // A cursor rebuilt with the digest kept and another position: an object, a number.
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const rebuilt = (position: unknown) =>
      Buffer.from(JSON.stringify({ ...decoded, p: position })).toString('base64url');
    for (const bad of [
      rebuilt({ $gt: '' }),
      rebuilt(42),
      'not-a-cursor',
      Buffer.from('[1,2]').toString('base64url'),
    ]) {
      const answer = await call(crm, 'list_tasks', { filter, cursor: bad });
      expect(answer.code).toBe('invalid_input');
      expect(answer.paths).toEqual(['cursor']);
    }
    const drafts = await call(outreach, 'list_outreach_drafts', { cursor: 'not-a-cursor' });
    expect(drafts.code).toBe('invalid_input');
  });

  it('refuses an idempotency key with an unpaired surrogate instead of letting two keys collide', async () => {
    for (const key of ['key-\ud800', 'key-\udfff']) {
      const answer = await call(crm, 'create_task', {
        domain: 'hostile-x.com',
        kind: 'follow_up',
        note: 'Surrogate',
        idempotency_key: key,
      });
      expect(answer.code).toBe('invalid_input');
      expect(answer.paths).toEqual(['idempotency_key']);
    }
    const tasks = await call(crm, 'list_tasks', { filter: { domain: 'hostile-x.com' }, limit: 100 });
    expect((tasks.structured.tasks as { note: string }[]).map((task) => task.note)).not.toContain(
      'Surrogate',
    );
    // A well-formed astral character (a surrogate pair) is a fine key.
    const pair = await call(crm, 'create_task', {
      domain: 'hostile-x.com',
      kind: 'follow_up',
      note: 'Pair',
      idempotency_key: 'key-😀',
    });
    expect(pair.isError).toBe(false);
  });
});

describe('call records cannot be turned against their owner', () => {
  const huge = 'A'.repeat(10 * 1024 * 1024);

  it('answers a 10 MB argument and keys the tool does not have as invalid input or not at all', async () => {
    const answer = await call(crm, 'upsert_account', { domain: 'hostile-huge.com', name: huge });
    expect(answer.code).toBe('invalid_input');
    expect(answer.text.length).toBeLessThan(4000);
    const extra = await call(crm, 'get_account', {
      domain: 'hostile-x.com',
      smuggled_note: 'not-for-the-audit-trail',
      nested: { deep: huge },
    });
    expect(extra.isError).toBe(false);
  });
});

describe('what the servers wrote', () => {
  const records = (server: string) =>
    (stderr[server] ?? '')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('wrote no internal error or stack for any of the above', async () => {
    // Call records are buffered and flushed when the server exits.
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const server of ['crm', 'warehouse', 'outreach']) {
      expect(records(server).length).toBeGreaterThan(0);
      expect(records(server).filter((record) => JSON.stringify(record).includes('"internal"'))).toEqual([]);
      expect(stderr[server]).not.toMatch(/\n\s+at \S+ \(/);
    }
  });

  it('kept every call record short, marking what it cut and the keys the tool does not have', () => {
    const lines = (stderr.crm ?? '').split('\n');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(16_000);
    const huge = records('crm').find(
      (record) => (record.args as { domain?: string } | undefined)?.domain === 'hostile-huge.com',
    );
    expect(huge?.outcome).toBe('invalid_input');
    const name = String((huge?.args as { name?: string } | undefined)?.name);
    expect(name.startsWith('AAAA')).toBe(true);
    expect(name).toMatch(/…\[cut \d+ of 10485760 chars\]$/);
    const smuggled = records('crm').find((record) => Array.isArray(record.unknown_keys));
    expect(smuggled?.unknown_keys).toEqual(['smuggled_note', 'nested']);
    expect(smuggled?.args).toMatchObject({
      smuggled_note: expect.stringContaining('unknown key'),
      nested: expect.stringContaining('unknown key'),
    });
    expect(stderr.crm).not.toContain('not-for-the-audit-trail');
  });
});
