import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import { NotFoundError, RateLimitedError } from '../errors/ToolError.ts';
import { createServer, type TollgateServer } from '../server/createServer.ts';
import { batchToolContract, defineBatchTool } from '../tool/defineBatchTool.ts';
import { defineTool } from '../tool/defineTool.ts';
import { serverContract, toolContract } from '../tool/toolContract.ts';
import { callTool, type ToolOutcome } from './callTool.ts';
import { scopesOf, type ToolArguments } from './index.ts';

const getInvoice = toolContract({
  name: 'get_invoice',
  description: 'Look up one invoice by id.',
  scopes: ['invoices:read'],
  kind: 'read',
  input: z.object({ id: z.string().min(1).describe('Invoice id') }),
  output: z.object({
    id: z.string().describe('Invoice id'),
    amount_cents: z.number().int().describe('Amount in cents'),
  }),
});

const createInvoice = toolContract({
  name: 'create_invoice',
  description: 'Create an invoice. Requires an idempotency_key.',
  scopes: ['invoices:create'],
  kind: 'create',
  input: z.object({ amount_cents: z.number().int().min(1).describe('Amount in cents') }),
  output: z.object({ id: z.string().describe('The new invoice id') }),
});

const getInvoices = batchToolContract({
  name: 'get_invoices',
  description: 'Look up to 100 invoices by id.',
  scopes: ['invoices:read'],
  kind: 'read',
  item: z.object({ id: z.string().min(1).describe('Invoice id') }),
  value: z.object({ amount_cents: z.number().int().describe('Amount in cents') }),
});

const billing = serverContract(getInvoice, createInvoice, getInvoices);

let created = 0;
const tools = [
  defineTool({
    ...getInvoice,
    handler: ({ id }) => {
      if (id === 'missing') throw new NotFoundError(`No invoice ${id}.`);
      if (id === 'busy') throw new RateLimitedError('Slow down.', { retryAfterMs: 1500 });
      return { id, amount_cents: 1200 };
    },
  }),
  defineTool({ ...createInvoice, handler: () => ({ id: `inv_${++created}` }) }),
  defineBatchTool({
    ...getInvoices,
    handler: (items) => items.map(({ id }) => ({ amount_cents: id.length })),
  }),
];

let server: TollgateServer;
let client: Client;

beforeAll(async () => {
  server = createServer({
    name: 'billing',
    version: '1.0.0',
    tools,
    store: { memory: true },
    log: { level: 'silent' },
  });
  const handler = server.httpHandler();
  client = new Client({ name: 'test', version: '0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('http://billing.test/mcp'), {
      fetch: (url, init) => handler.fetch(new Request(url, init)),
    }),
  );
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe('callTool', () => {
  it('answers the value as the contract types and checks it', async () => {
    const outcome = await callTool(client, billing.get_invoice, { id: 'inv_9' });
    expectTypeOf(outcome).toEqualTypeOf<ToolOutcome<{ id: string; amount_cents: number }>>();
    expect(outcome).toMatchObject({ ok: true, value: { id: 'inv_9', amount_cents: 1200 }, replayed: false });
    expect(outcome.ok && outcome.callId).toBeUndefined();
  });

  it('answers a refused call as the server classified it, delay included', async () => {
    expect(await callTool(client, getInvoice, { id: 'missing' })).toMatchObject({
      ok: false,
      error: { code: 'not_found', retryable: false, message: 'No invoice missing.' },
    });
    expect(await callTool(client, getInvoice, { id: 'busy' })).toMatchObject({
      ok: false,
      error: { code: 'rate_limited', retryable: true, retry_after_ms: 1500 },
    });
    expect(await callTool(client, getInvoice, { id: '' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', retryable: false },
    });
  });

  it('reads the replayed marker of a repeated create', async () => {
    const first = await callTool(client, createInvoice, { amount_cents: 500, idempotency_key: 'k-1' });
    const again = await callTool(client, createInvoice, { amount_cents: 500, idempotency_key: 'k-1' });
    expect(first).toMatchObject({ ok: true, replayed: false });
    expect(again).toMatchObject({ ok: true, replayed: true });
    expect(again.ok && typeof again.callId).toBe('string');
    expect(again.ok && first.ok && again.value.id).toBe(first.ok ? first.value.id : 'x');
  });

  it('refuses a value outside the contract as a version skew, not as data', async () => {
    // The client was built against a newer get_invoice that also answers a currency.
    const newer = toolContract({
      ...getInvoice,
      output: getInvoice.output.extend({ currency: z.string().describe('ISO currency') }),
    });
    const outcome = await callTool(client, newer, { id: 'inv_9' });
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'upstream_contract_violation', retryable: false },
    });
    expect(!outcome.ok && outcome.error.message).toContain('currency');
  });

  it('answers a tool the server does not have as a terminal protocol error', async () => {
    const ghost = toolContract({ ...getInvoice, name: 'get_receipt' });
    expect(await callTool(client, ghost, { id: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'protocol_error', retryable: false },
    });
  });

  it('sends the attempt number the call records show', async () => {
    const outcome = await callTool(client, getInvoice, { id: 'inv_1' }, { attempt: 3 });
    expect(outcome.ok).toBe(true);
  });
});

describe('callTool on a batch tool', () => {
  it('types each item’s result by the batch contract', async () => {
    const outcome = await callTool(client, billing.get_invoices, { items: [{ id: 'inv_12' }, { id: '' }] });
    if (!outcome.ok) throw new Error(outcome.error.message);
    const [found, invalid] = outcome.value.results;
    expectTypeOf(found?.value).toEqualTypeOf<{ amount_cents: number } | undefined>();
    expect(found).toEqual({ ok: true, value: { amount_cents: 6 } });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_input', retryable: false } });
  });
});

describe('contracts', () => {
  it('type a create call with its idempotency key and a read call without', () => {
    expectTypeOf<ToolArguments<typeof createInvoice>>().toEqualTypeOf<
      { amount_cents: number } & { idempotency_key: string }
    >();
    expectTypeOf<ToolArguments<typeof getInvoice>>().toEqualTypeOf<{ id: string }>();
    // @ts-expect-error a create without its key does not compile
    void (() => callTool(client, createInvoice, { amount_cents: 1 }));
  });

  it('key a server’s tools by name and refuse two tools of one name', () => {
    expect(Object.keys(billing)).toEqual(['get_invoice', 'create_invoice', 'get_invoices']);
    expect(() => serverContract(getInvoice, getInvoice)).toThrow(/Two tools are named get_invoice/);
  });

  it('derive the scopes a caller needs from the tools it calls', () => {
    expect(scopesOf(billing)).toEqual(['invoices:read', 'invoices:create']);
    expect(scopesOf([getInvoices])).toEqual(['invoices:read']);
    expect(scopesOf([getInvoice, getInvoice])).toEqual(['invoices:read']);
  });
});
