import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import type { Principal, TollgateServer } from '@tollgate/core';

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
