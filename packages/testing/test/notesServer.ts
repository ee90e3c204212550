import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createServer,
  defineTool,
  RateLimitedError,
  sensitive,
  TimeoutError,
  type TollgateServer,
  UpstreamContractViolationError,
  UpstreamUnavailableError,
} from '@tollgate/core';
import * as z from 'zod';
import type { ContractEnv } from '../src/index.ts';

/** Ways to break the notes server, each of which one contract case must catch. */
export interface Breakage {
  /** The word tool answers its value with a schema that accepts anything. */
  looseOutput?: boolean;
  /** The vendor key is not declared a secret, and the word tool echoes it in its answer. */
  leakKey?: boolean;
  /** A vendor 429 is reported as upstream_unavailable, its Retry-After dropped. */
  ignoreRetryAfter?: boolean;
  /** publish_note has no `recover`: a retry after a lost answer publishes again. */
  noRecover?: boolean;
}

/** A vendor on loopback: words to look up, and notes to publish (by key), behind an API key. */
export async function startWordVendor(apiKey: string) {
  const published = new Map<string, { id: string; text: string }>();
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://vendor');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers['x-api-key'] !== apiKey) return json(401, { error: 'bad key' });
    if (req.method === 'GET' && url.pathname.startsWith('/words/')) {
      const word = decodeURIComponent(url.pathname.slice('/words/'.length));
      return json(200, { word, length: word.length });
    }
    if (req.method === 'GET' && url.pathname === '/published') {
      const found = published.get(url.searchParams.get('key') ?? '');
      return found ? json(200, found) : json(404, { error: 'none' });
    }
    if (req.method === 'POST' && url.pathname === '/published') {
      let body = '';
      req.on('data', (chunk) => {
        body += String(chunk);
      });
      req.on('end', () => {
        const { key, text } = JSON.parse(body) as { key: string; text: string };
        const note = { id: `pub-${published.size + 1}`, text };
        published.set(`${key}#${published.size}`, note);
        published.set(key, note);
        json(201, note);
      });
      return;
    }
    json(404, { error: 'no route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Notes published, counting each POST, duplicates included. */
    publishCount: () => [...published.keys()].filter((key) => key.includes('#')).length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The notes server: its own notes (a read and a create) and a vendor (a read and a create). */
export async function createNotesServer(env: ContractEnv, broken: Breakage = {}): Promise<TollgateServer> {
  const vendor = await startWordVendor(env.secret);
  env.onClose(vendor.close);
  const request = async (path: string, signal: AbortSignal, init: RequestInit = {}) => {
    let response: Response;
    try {
      response = await env.fetch(new URL(path, vendor.url), {
        ...init,
        headers: { 'x-api-key': env.secret, 'content-type': 'application/json' },
        signal: AbortSignal.any([signal, AbortSignal.timeout(env.upstreamTimeoutMs)]),
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError')
        throw new TimeoutError('The vendor did not answer in time.');
      throw new UpstreamUnavailableError('The vendor could not be reached.', { cause: error });
    }
    if (response.status === 429) {
      const seconds = Number(response.headers.get('retry-after') ?? 1);
      if (broken.ignoreRetryAfter) throw new UpstreamUnavailableError('The vendor is busy.');
      throw new RateLimitedError('The vendor rate limit was reached.', { retryAfterMs: seconds * 1000 });
    }
    if (response.status >= 500) throw new UpstreamUnavailableError(`The vendor answered ${response.status}.`);
    return response;
  };
  const parse = async <T extends z.ZodType>(response: Response, schema: T): Promise<z.output<T>> => {
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new UpstreamContractViolationError('The vendor answered in another shape.');
    return parsed.data;
  };
  const wordAnswer = z.object({ word: z.string(), length: z.number() });
  const published = z.object({ id: z.string(), text: z.string() });

  const note = z.object({
    id: z.string().describe('Note id'),
    text: z.string().describe('Note text'),
  });
  const getNote = defineTool({
    name: 'get_note',
    description: 'Reads one note by id.',
    scopes: ['notes:read'],
    kind: 'read',
    input: z.object({ id: z.string().min(1).max(64).describe('Note id') }),
    output: z.object({ note: note.nullable().describe('The note, or null') }),
    handler: async ({ id }, ctx) => {
      const { rows } = await ctx.db.query<{ id: string; text: string }>(
        'SELECT id, text FROM notes WHERE id = $1',
        [id],
      );
      return { note: rows[0] ?? null };
    },
  });
  const addNote = defineTool({
    name: 'add_note',
    description: 'Adds a note.',
    scopes: ['notes:create'],
    kind: 'create',
    input: z.strictObject({
      text: z.string().min(1).max(200).describe('What the note says'),
      priority: z.number().int().min(1).max(5).optional().describe('1 (low) to 5 (high)'),
      color: z.enum(['red', 'green']).optional().describe('Label color'),
      signature: sensitive(z.string().optional()).describe('A signing secret, never recorded'),
    }),
    output: z.object({ note: note.describe('The new note') }),
    handler: async ({ text, idempotency_key }, ctx) => {
      const id = `note-${idempotency_key}`;
      await ctx.db.query('INSERT INTO notes (id, text) VALUES ($1, $2)', [id, text]);
      return { note: { id, text } };
    },
  });
  const lookupWord = defineTool({
    name: 'lookup_word',
    description: 'Looks a word up at the vendor.',
    scopes: ['words:read'],
    kind: 'read',
    openWorld: true,
    input: z.object({ word: z.string().min(1).max(40).describe('The word') }),
    output: broken.looseOutput
      ? z.object({ word: z.any().describe('The word'), length: z.any().describe('Its length') })
      : z.object({ word: z.string().describe('The word'), length: z.number().describe('Its length') }),
    handler: async ({ word }, ctx) => {
      const answer = await parse(await request(`/words/${encodeURIComponent(word)}`, ctx.signal), wordAnswer);
      return broken.leakKey ? { ...answer, word: `${answer.word} (asked with ${env.secret})` } : answer;
    },
  });
  const publishNote = defineTool({
    name: 'publish_note',
    description: 'Publishes a note at the vendor.',
    scopes: ['notes:publish'],
    kind: 'create',
    openWorld: true,
    input: z.object({ text: z.string().min(1).max(200).describe('What to publish') }),
    output: z.object({
      id: z.string().describe('Vendor id'),
      text: z.string().describe('What was published'),
    }),
    handler: async ({ text, idempotency_key }, ctx) => {
      const body = JSON.stringify({ key: idempotency_key, text });
      return parse(await request('/published', ctx.signal, { method: 'POST', body }), published);
    },
    recover: broken.noRecover
      ? undefined
      : async ({ idempotency_key }, ctx) => {
          const response = await request(`/published?key=${encodeURIComponent(idempotency_key)}`, ctx.signal);
          if (response.status === 404) return undefined;
          return parse(response, published);
        },
  });
  return createServer({
    name: 'notes',
    version: '1.0.0',
    tools: [getNote, addNote, lookupWord, publishNote],
    store: await env.store(),
    migrations: [
      { version: 1, name: 'notes', sql: 'CREATE TABLE notes (id text PRIMARY KEY, text text NOT NULL)' },
    ],
    secrets: broken.leakKey ? [] : [env.secret],
    log: env.log,
  });
}

export const NOTES_EXAMPLES = {
  get_note: { id: 'note-1' },
  add_note: { text: 'Call Ada back', priority: 3, color: 'red' },
  lookup_word: { word: 'gate' },
  publish_note: { text: 'Hello world' },
};
