import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { captureLogs } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTool, probeTool } from '../../test/fixtures.ts';
import { toolErrorEnvelopeSchema } from '../gate/CompiledTool.ts';
import { createServer, type Serving } from './createServer.ts';

interface AnyClient {
  listTools(): Promise<unknown>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

let listener: Serving & { url: URL };
beforeAll(async () => {
  const server = createServer({
    name: 'compat',
    version: '1.0.0',
    tools: [probeTool, makeTool],
    store: { memory: true },
    grantedScopes: ['probe:read', 'things:create'],
    log: { destination: captureLogs().stream },
  });
  listener = await server.start({ http: {}, process: false });
});
afterAll(() => listener.close());

const clients: Record<string, () => Promise<AnyClient>> = {
  'SDK v2 client, 2026-07-28 era': async () => {
    const client = new Client({ name: 'v2-modern', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableHTTPClientTransport(listener.url));
    expect(client.getProtocolEra()).toBe('modern');
    return client as unknown as AnyClient;
  },
  'SDK v2 client, 2025 era': async () => {
    const client = new Client({ name: 'v2-legacy', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(listener.url));
    expect(client.getProtocolEra()).toBe('legacy');
    return client as unknown as AnyClient;
  },
  'SDK v1 client': async () => {
    const client = new V1Client({ name: 'v1', version: '1' });
    await client.connect(new V1StreamableHTTPClientTransport(listener.url));
    return client as unknown as AnyClient;
  },
};

describe.each(Object.keys(clients))('%s over Streamable HTTP', (name) => {
  let client: AnyClient;
  beforeAll(async () => {
    client = await (clients[name] as () => Promise<AnyClient>)();
    // Listing first makes the client cache output schemas and validate every structured result.
    await client.listTools();
  });
  afterAll(() => client.close());

  it('accepts a successful result through its output validation', async () => {
    const result = await client.callTool({ name: 'probe', arguments: { mode: 'echo', text: 'hi' } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ mode: 'echo', text: 'hi', attempt: 1 });
  });

  it.each([
    ['not_found', { name: 'probe', arguments: { mode: 'not_found', text: 'x' } }],
    ['rate_limited', { name: 'probe', arguments: { mode: 'rate_limited' } }],
    ['internal', { name: 'probe', arguments: { mode: 'throw' } }],
    ['invalid_input', { name: 'make', arguments: { name: '' } }],
    ['upstream_contract_violation', { name: 'probe', arguments: { mode: 'bad_output' } }],
  ])('accepts a %s error result without throwing', async (code, call) => {
    const result = await client.callTool(call);
    expect(result.isError).toBe(true);
    expect(toolErrorEnvelopeSchema.parse(result.structuredContent).error.code).toBe(code);
  });
});
