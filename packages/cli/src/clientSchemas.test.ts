/**
 * The advertised tool schemas, as the clients this project did not write keep them (issue #11,
 * item 7). All four servers run as real `tollgate serve <server>` stdio children, listed by:
 * - the MCP Inspector CLI in `--strict` mode, which reports every schema portability problem;
 * - LangChain's MCP adapter, which simplifies schemas for models and validates input against them;
 * - the AI SDK's MCP client, whose tools go through the Gemini and OpenAI providers' conversions
 *   (captured from the request each provider would send; no vendor is called).
 * What must hold: no strict-mode finding, and every input field keeps a type through every client,
 * so a client that validates refuses a wrong type before the call leaves it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createMCPClient } from '@ai-sdk/mcp';
import { Experimental_StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
import { createOpenAI } from '@ai-sdk/openai';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { generateText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/tollgate.js', import.meta.url));
const require = createRequire(import.meta.url);
const inspector = join(
  dirname(require.resolve('@modelcontextprotocol/inspector/package.json')),
  'clients/launcher/build/index.js',
);
const SERVERS = ['crm', 'enrichment', 'warehouse', 'outreach'] as const;

let home: string;
const env = () => ({
  PATH: process.env.PATH ?? '',
  TOLLGATE_HOME: home,
  // Never called: listing tools reaches no vendor.
  ENRICHMENT_VENDOR_URL: 'http://127.0.0.1:9',
  ENRICHMENT_API_KEY: 'unused-vendor-key',
});

type Schema = { type?: unknown; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[] };
const advertised: Record<string, { name: string; inputSchema: Schema }[]> = {};

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tollgate-schemas-'));
  for (const server of SERVERS) {
    const client = new Client({ name: 'schema-test', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [bin, 'serve', server],
        env: env(),
        stderr: 'ignore',
      }),
    );
    advertised[server] = (await client.listTools()).tools as { name: string; inputSchema: Schema }[];
    await client.close();
  }
}, 120_000);
afterAll(() => rm(home, { recursive: true, force: true }));

/** Paths of the fields of `ours` that `theirs` (a client's copy) lost or keeps without a type. */
function untyped(ours: Schema, theirs: Schema | undefined, path: string): string[] {
  if (theirs === undefined) return [`${path}: missing`];
  const typed = typeof theirs.type === 'string' || (theirs.anyOf?.length ?? 0) > 0;
  if (!typed) return [`${path}: no type`];
  const lost: string[] = [];
  for (const [key, child] of Object.entries(ours.properties ?? {})) {
    lost.push(...untyped(child, theirs.properties?.[key], `${path}.${key}`));
  }
  if (ours.items !== undefined) lost.push(...untyped(ours.items, theirs.items, `${path}[]`));
  return lost;
}

describe.each(SERVERS)('the %s server', (server) => {
  it('has no finding in the MCP Inspector strict mode', async () => {
    const args = [
      inspector,
      '--cli',
      ...Object.entries(env()).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
    ];
    args.push('--method', 'tools/list', '--strict', process.execPath, bin, 'serve', server);
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, args, { timeout: 60_000 }, (_error, _stdout, err) =>
        resolve({ code: child.exitCode, stderr: String(err) }),
      );
    });
    expect(stderr.split('\n').filter((line) => /^(Warning|Error)\b/.test(line))).toEqual([]);
    expect(code).toBe(0);
  }, 90_000);

  it('keeps a type on every input field through LangChain, which then refuses a wrong type', async () => {
    const client = new MultiServerMCPClient({
      mcpServers: {
        [server]: { transport: 'stdio', command: process.execPath, args: [bin, 'serve', server], env: env() },
      },
    });
    try {
      const tools = await client.getTools();
      const listed = advertised[server] ?? [];
      expect(tools.map((tool) => tool.name).sort()).toEqual(listed.map((tool) => tool.name).sort());
      for (const { name, inputSchema } of listed) {
        const theirs = tools.find((tool) => tool.name === name)?.schema as Schema;
        expect(untyped(inputSchema, theirs, name)).toEqual([]);
      }
      if (server === 'crm') {
        const upsert = tools.find((tool) => tool.name === 'upsert_account');
        await expect(upsert?.invoke({ domain: 'acme.com', name: 12345 })).rejects.toThrow(/schema/);
      }
    } finally {
      await client.close();
    }
  }, 90_000);

  it("keeps a type on every input field through the AI SDK's Gemini and OpenAI conversions", async () => {
    const client = await createMCPClient({
      transport: new Experimental_StdioMCPTransport({
        command: process.execPath,
        args: [bin, 'serve', server],
        env: env(),
      }),
    });
    try {
      const tools = await client.tools();
      const bodies: Record<string, unknown>[] = [];
      // The providers' own request building runs; the request is captured instead of sent.
      const capture = async (_url: unknown, init?: RequestInit) => {
        bodies.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
        throw new Error('not sent');
      };
      const google = createGoogleGenerativeAI({ apiKey: 'unused', fetch: capture as typeof fetch });
      const openai = createOpenAI({ apiKey: 'unused', fetch: capture as typeof fetch });
      for (const model of [google('gemini-2.5-flash'), openai.chat('gpt-4o'), openai.responses('gpt-4o')]) {
        await generateText({ model, tools, prompt: 'List the tools.', maxRetries: 0 }).catch(() => undefined);
      }
      expect(bodies).toHaveLength(3);
      const [gemini, chat, responses] = bodies as [
        { tools: { functionDeclarations: { name: string; parameters: Schema }[] }[] },
        { tools: { function: { name: string; parameters: Schema } }[] },
        { tools: { name: string; parameters: Schema }[] },
      ];
      for (const { name, inputSchema } of advertised[server] ?? []) {
        const declared = gemini.tools[0]?.functionDeclarations.find((tool) => tool.name === name)?.parameters;
        // Gemini drops an input with no properties at all; there is nothing to keep then.
        if (Object.keys(inputSchema.properties ?? {}).length > 0) {
          expect(untyped(inputSchema, declared, `gemini ${name}`)).toEqual([]);
        }
        const viaChat = chat.tools.find((tool) => tool.function.name === name)?.function.parameters;
        expect(untyped(inputSchema, viaChat, `openai chat ${name}`)).toEqual([]);
        const viaResponses = responses.tools.find((tool) => tool.name === name)?.parameters;
        expect(untyped(inputSchema, viaResponses, `openai responses ${name}`)).toEqual([]);
      }
      if (server === 'warehouse') {
        // A free-form map of parameters would reach Gemini as a bare object: the model would be told
        // no parameter at all. Each named query's parameters arrive typed.
        const params = gemini.tools[0]?.functionDeclarations.find((tool) => tool.name === 'run_named_query')
          ?.parameters.properties?.params;
        expect(params?.properties?.since).toMatchObject({ type: 'string', format: 'date' });
        expect(params?.properties?.days).toMatchObject({ type: 'integer' });
      }
    } finally {
      await client.close();
    }
  }, 90_000);
});
