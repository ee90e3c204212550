import { ProtocolError } from '@modelcontextprotocol/server';
import { captureLogs, connectInProcess, type InProcessConnection } from '@tollgate/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTool, probeTool } from '../../test/fixtures.ts';
import { createServer, type TollgateServer } from '../server/createServer.ts';
import { toolErrorEnvelopeSchema } from './CompiledTool.ts';

const SECRET = 'sk_live_9f8e7d6c5b4a';

const servers: TollgateServer[] = [];
function setup(grantedScopes: string[] = ['probe:read', 'things:create']) {
  const logs = captureLogs();
  const server = createServer({
    name: 'test',
    version: '1.0.0',
    tools: [probeTool, makeTool],
    grantedScopes,
    secrets: [SECRET],
    store: { memory: true },
    log: { destination: logs.stream },
  });
  servers.push(server);
  return { server, logs };
}

let connection: InProcessConnection | undefined;
afterEach(async () => {
  await connection?.close();
  connection = undefined;
  for (const server of servers.splice(0)) await server.close();
});

async function connect(grantedScopes?: string[], era: 'modern' | 'legacy' = 'modern') {
  const { server, logs } = setup(grantedScopes);
  connection = await connectInProcess(server, { era });
  return { client: connection.client, logs };
}

describe.each(['modern', 'legacy'] as const)('the gate over the %s protocol era', (era) => {
  it('answers a good call with structured output and its JSON text, nothing more', async () => {
    const { client, logs } = await connect(undefined, era);
    const result = await client.callTool({ name: 'probe', arguments: { mode: 'ok' } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ mode: 'ok', text: null, attempt: 1 });
    expect(result.content).toEqual([{ type: 'text', text: JSON.stringify(result.structuredContent) }]);
    expect(result._meta?.['tollgate/replayed']).toBeUndefined();
    expect(logs.calls()).toHaveLength(1);
    expect(logs.calls()[0]).toMatchObject({
      call_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      outcome: 'ok',
    });
  });

  it('returns a classified error as data, never a protocol error', async () => {
    const { client } = await connect(undefined, era);
    const result = await client.callTool({
      name: 'probe',
      arguments: { mode: 'rate_limited', text: 'slow' },
    });
    expect(result.isError).toBe(true);
    const envelope = toolErrorEnvelopeSchema.parse(result.structuredContent);
    expect(envelope.error).toEqual({
      code: 'rate_limited',
      retryable: true,
      retry_after_ms: 4000,
      message: 'Vendor rate limit reached.',
      hint: expect.stringContaining('retry_after_ms'),
      details: { body: 'slow', call_id: result._meta?.['tollgate/call_id'] },
    });
    expect(result._meta).toMatchObject({
      'tollgate/call_id': expect.any(String),
      'tollgate/replayed': false,
    });
  });

  it('puts everything a model acts on into the text, which is all most clients show it', async () => {
    const { client } = await connect(undefined, era);
    const textOf = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      // Read as Claude Code and LangChain do: the text blocks only.
      return (result.content as { type: string; text?: string }[])
        .map((block) => block.text ?? '')
        .join('\n');
    };
    const limited = await textOf('probe', { mode: 'rate_limited', text: 'slow' });
    expect(limited.split('\n')[0]).toBe(
      'Error rate_limited: retryable=true retry_after_ms=4000. Retry this call after 4000 ms.',
    );
    expect(limited).toContain('Vendor rate limit reached.');
    expect(limited).toMatch(/^Hint: .*retry_after_ms/m);
    expect(limited).toMatch(/^call_id=[0-9a-f-]{36}$/m);

    const invalid = await textOf('probe', { mode: 'no-such-mode' });
    expect(invalid.split('\n')[0]).toBe(
      'Error invalid_input: retryable=false. Do not repeat this call unchanged; it will fail the same way.',
    );
    expect(invalid).toContain('mode');
    expect(invalid).toMatch(/^Hint: Fix the arguments/m);
  });
});

describe('least privilege', () => {
  it('does not list tools whose scopes are not all granted', async () => {
    const { client } = await connect(['probe:read']);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['probe']);
  });

  it('refuses a call to an unlisted tool with forbidden naming the missing scopes', async () => {
    const { client, logs } = await connect(['probe:read']);
    const result = await client.callTool({ name: 'make', arguments: { name: 'x', idempotency_key: 'k' } });
    expect(result.isError).toBe(true);
    const { error } = toolErrorEnvelopeSchema.parse(result.structuredContent);
    expect(error.code).toBe('forbidden');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('things:create');
    expect(error.details).toEqual({
      missing_scopes: ['things:create'],
      required_scopes: ['things:create', 'probe:read'],
      call_id: logs.calls()[0]?.call_id,
    });
    expect(logs.calls()[0]).toMatchObject({ tool: 'make', outcome: 'forbidden', scope: 'denied' });
  });

  it('checks scopes before input, so a forbidden caller learns nothing about the schema', async () => {
    const { client } = await connect([]);
    const result = await client.callTool({ name: 'make', arguments: { wrong: true } });
    expect(toolErrorEnvelopeSchema.parse(result.structuredContent).error.code).toBe('forbidden');
  });

  it('keeps an unknown tool a protocol error', async () => {
    const { client } = await connect();
    await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toThrow(ProtocolError);
  });
});

describe('input and output', () => {
  it('names each bad field in invalid_input and runs nothing', async () => {
    const { client } = await connect();
    const result = await client.callTool({ name: 'make', arguments: { name: '' } });
    const { error } = toolErrorEnvelopeSchema.parse(result.structuredContent);
    expect(error.code).toBe('invalid_input');
    expect(error.retryable).toBe(false);
    expect(error.details.issues).toEqual([
      { path: 'name', message: expect.any(String) },
      { path: 'idempotency_key', message: expect.any(String) },
    ]);
    expect(error.message).toMatch(/name: .*; idempotency_key: /);
  });

  it('turns an output that breaks its schema into upstream_contract_violation, logged as an error', async () => {
    const { client, logs } = await connect();
    const result = await client.callTool({ name: 'probe', arguments: { mode: 'bad_output' } });
    const { error } = toolErrorEnvelopeSchema.parse(result.structuredContent);
    expect(error.code).toBe('upstream_contract_violation');
    expect(error.details.issues).toEqual([{ path: 'text', message: expect.any(String) }]);
    expect(logs.calls()[0]).toMatchObject({ level: 'error', outcome: 'upstream_contract_violation' });
  });

  it('normalizes an unknown throw to internal: no stack to the client, the stack to the log', async () => {
    const { client, logs } = await connect();
    const result = await client.callTool({ name: 'probe', arguments: { mode: 'throw', text: 'payload' } });
    const { error } = toolErrorEnvelopeSchema.parse(result.structuredContent);
    expect(error.code).toBe('internal');
    expect(JSON.stringify(result)).not.toContain('socket hang up');
    expect(JSON.stringify(result)).not.toMatch(/\bat .*\.ts:\d+/);
    expect(error.details.call_id).toBe(result._meta?.['tollgate/call_id']);
    const event = logs.calls()[0] as Record<string, unknown>;
    expect(event.level).toBe('error');
    expect(String(event.cause)).toContain('socket hang up while sending payload');
    expect(String(event.cause)).toMatch(/fixtures\.ts:\d+/);
  });

  it('stops waiting at the deadline and answers a retryable timeout', async () => {
    const { client } = await connect();
    const started = Date.now();
    const result = await client.callTool({ name: 'probe', arguments: { mode: 'hang' } });
    const { error } = toolErrorEnvelopeSchema.parse(result.structuredContent);
    expect(error.code).toBe('timeout');
    expect(error.retryable).toBe(true);
    expect(error.details).toEqual({ timeout_ms: 300, call_id: expect.any(String) });
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describe('the call record', () => {
  it('writes one event per call with every field of the observability contract', async () => {
    const { client, logs } = await connect();
    await client.callTool({ name: 'probe', arguments: { mode: 'ok' }, _meta: { 'tollgate/attempt': 3 } });
    await client.callTool({ name: 'probe', arguments: { mode: 'unavailable', text: 'x' } });
    const [first, second] = logs.calls();
    expect(logs.calls()).toHaveLength(2);
    expect(first).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      event: 'tool_call',
      msg: 'tools/call',
      server: 'test',
      tool: 'probe',
      call_id: expect.any(String),
      principal: 'anonymous',
      args: { mode: 'ok' },
      latency_ms: expect.any(Number),
      outcome: 'ok',
      retryable: false,
      replayed: false,
      attempt: 3,
      scope: 'granted',
    });
    expect(second).toMatchObject({ outcome: 'upstream_unavailable', retryable: true, attempt: 1 });
  });

  it('passes the attempt number from _meta to the handler', async () => {
    const { client } = await connect();
    const result = await client.callTool({
      name: 'probe',
      arguments: { mode: 'ok' },
      _meta: { 'tollgate/attempt': 4 },
    });
    expect(result.structuredContent).toMatchObject({ attempt: 4 });
  });

  it('masks sensitive fields and scrubs their value from errors of the same call', async () => {
    const { client, logs } = await connect();
    const key = 'caller-key-31337-abcdef';
    const result = await client.callTool({
      name: 'probe',
      arguments: { mode: 'not_found', text: `thing with ${key}`, api_key: key },
    });
    expect(JSON.stringify(result)).not.toContain(key);
    expect(logs.lines().join('\n')).not.toContain(key);
    expect(logs.calls()[0]).toMatchObject({ args: { api_key: '[REDACTED]', text: 'thing with [REDACTED]' } });
  });
});
