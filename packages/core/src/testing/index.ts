import { Writable } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import type { TollgateServer } from '../server/createServer.ts';
import type { Database } from '../store/Database.ts';
import type { Principal } from '../tool/defineTool.ts';

export interface InProcessOptions {
  /**
   * `modern` speaks protocol 2026-07-28 through the server's HTTP handler without a socket;
   * `legacy` speaks the 2025 handshake over the SDK's in-memory transport pair. Default `modern`.
   */
  era?: 'modern' | 'legacy';
  /** Legacy era only: call as this principal instead of the server's stdio principal. */
  principal?: Principal;
}

export interface InProcessConnection {
  client: Client;
  close(): Promise<void>;
}

/** Connects an SDK v2 client to a Tollgate server in-process, with no socket and no child process. */
export async function connectInProcess(
  server: TollgateServer,
  options: InProcessOptions = {},
): Promise<InProcessConnection> {
  const client = new Client(
    { name: 'tollgate-test', version: '0.0.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  if (options.era === 'legacy') {
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const instance = server.createInstance(options.principal);
    await instance.connect(serverTransport);
    const legacyClient = new Client({ name: 'tollgate-test', version: '0.0.0' });
    await legacyClient.connect(clientTransport);
    return {
      client: legacyClient,
      close: async () => {
        await legacyClient.close();
        await instance.close();
      },
    };
  }
  const handler = server.httpHandler();
  const transport = new StreamableHTTPClientTransport(new URL('http://tollgate.test/mcp'), {
    fetch: (url, init) => handler.fetch(new Request(url, init)),
  });
  await client.connect(transport);
  return {
    client,
    close: async () => {
      await client.close();
      await handler.close();
    },
  };
}

export interface LogCapture {
  /** Pass as `log.destination` when creating the server. */
  stream: Writable;
  /** Every raw line written so far. */
  lines(): string[];
  /** Every line parsed as JSON. */
  events(): Record<string, unknown>[];
  /** Parsed `tool_call` events. */
  calls(): Record<string, unknown>[];
}

/** Collects what a server logs, for assertions on call records. */
export function captureLogs(): LogCapture {
  let buffer = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      buffer += String(chunk);
      callback();
    },
  });
  const lines = () => buffer.split('\n').filter((line) => line !== '');
  const events = () => lines().map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines, events, calls: () => events().filter((event) => event.event === 'tool_call') };
}

/**
 * A database shared by the servers of several tests: the same connection, minus `close`, so a server
 * closing at the end of its test leaves it open for the next one. The test file closes it itself.
 */
export function borrowed(db: Database): Database {
  return {
    kind: db.kind,
    location: db.location,
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    close: async () => {},
  };
}
