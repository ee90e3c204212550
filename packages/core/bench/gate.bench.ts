/**
 * The gate's overhead: the same read tool (same zod schemas, same handler) served by a bare SDK v2
 * McpServer and by a Tollgate server with logging on, both over the SDK's in-memory transport,
 * measured in the same run with interleaved batches so machine noise hits both alike.
 *
 *   npm run bench    (TOLLGATE_BENCH_CALLS=N sets the calls per side; default 6000)
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { createServer, defineTool } from '../src/index.ts';
import { benchHandler as handler, benchInput as input, benchOutput as output } from './benchTool.ts';

async function bareClient(): Promise<Client> {
  const server = new McpServer({ name: 'bare', version: '1.0.0' });
  server.registerTool(
    'get_account',
    { description: 'Look up an account.', inputSchema: input, outputSchema: output },
    async (args) => {
      const result = await handler(args);
      return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
    },
  );
  return connect(server);
}

async function gateClient(logFile: string | undefined): Promise<Client> {
  const tool = defineTool({
    name: 'get_account',
    title: 'Get account',
    description: 'Look up an account.',
    scopes: ['accounts:read'],
    kind: 'read',
    input,
    output,
    handler,
  });
  const server = createServer({
    name: 'gate',
    version: '1.0.0',
    tools: [tool],
    grantedScopes: ['accounts:read'],
    secrets: ['bench-upstream-credential-0123456789'],
    log: logFile === undefined ? { level: 'silent' } : { destination: logFile },
  });
  return connect(server.createInstance());
}

async function connect(server: { connect(t: InMemoryTransport): Promise<void> }): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(clientTransport);
  await client.listTools();
  return client;
}

async function batch(client: Client, calls: number, samples: number[]): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const started = process.hrtime.bigint();
    const result = await client.callTool({ name: 'get_account', arguments: { domain: `acme${i % 50}.com` } });
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
    if (result.isError) throw new Error(`bench call failed: ${JSON.stringify(result.content)}`);
  }
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[index] as number;
}

export interface BenchRow {
  name: string;
  calls: number;
  p50_us: number;
  p99_us: number;
}

export async function benchGate(options: { calls?: number; logFile?: string } = {}) {
  const calls = options.calls ?? Number(process.env.TOLLGATE_BENCH_CALLS ?? 6000);
  const logFile = options.logFile ?? '/dev/null';
  const sides = [
    { name: 'bare SDK v2 McpServer', client: await bareClient(), samples: [] as number[] },
    { name: 'Tollgate gate, logging off', client: await gateClient(undefined), samples: [] as number[] },
    { name: `Tollgate gate, log -> ${logFile}`, client: await gateClient(logFile), samples: [] as number[] },
  ];
  const rounds = 12;
  const perRound = Math.max(1, Math.floor(calls / rounds));
  for (const side of sides) await batch(side.client, 1000, []);
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so drift in machine load does not favour any side.
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(round + i) % sides.length] as (typeof sides)[number];
      await batch(side.client, perRound, side.samples);
    }
  }
  const rows: BenchRow[] = [];
  for (const side of sides) {
    await side.client.close();
    side.samples.sort((a, b) => a - b);
    rows.push({
      name: side.name,
      calls: side.samples.length,
      p50_us: quantile(side.samples, 0.5),
      p99_us: quantile(side.samples, 0.99),
    });
  }
  const [bare, , logged] = rows as [BenchRow, BenchRow, BenchRow];
  return { rows, ratio: logged.p50_us / bare.p50_us };
}
