import { randomBytes } from 'node:crypto';
import type { Client, Tool } from '@modelcontextprotocol/client';
import type { TollgateServer, ToolDefinition } from '@tollgate/core';
import { openDatabaseOnUse } from '@tollgate/core/store';
import { captureLogs, type LogCapture } from '../captureLogs.ts';
import { connectInProcess } from '../connectInProcess.ts';
import type { ContractEnv, ContractOptions } from './ContractOptions.ts';
import type { ToolResult } from './expectResult.ts';
import { type FaultyFetch, faultyFetch } from './faultyFetch.ts';
import { storeSnapshot } from './storeSnapshot.ts';

/** The upstream deadline the kit asks for: long enough for a simulator, short enough to wait out. */
export const UPSTREAM_TIMEOUT_MS = 400;

/** One case's server, its upstream, its logs and a client, from start to close. */
export interface ContractRun {
  readonly server: TollgateServer;
  readonly upstream: FaultyFetch;
  readonly logs: LogCapture;
  readonly secret: string;
  /** Calls over the 2026 protocol through the server's HTTP handler, as the server's own caller. */
  call(tool: string, args: Record<string, unknown>): Promise<ToolResult>;
  /** What tools/list shows the server's own caller. */
  list(): Promise<Tool[]>;
  /** A client for a principal holding exactly these scopes (2025 handshake, in-memory pair). */
  connectAs(scopes: ReadonlySet<string>): Promise<Client>;
  /** The server's state now (see `ContractOptions.snapshot`). */
  snapshot(): Promise<unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: tools of any schema.
export type AnyTool = ToolDefinition<any, any, any>;

/** Starts a fresh server for one case, runs `body`, and closes everything it opened. */
export async function withRun(options: ContractOptions, body: (run: ContractRun) => Promise<void>) {
  const connections: (() => Promise<void>)[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const logs = captureLogs();
  const upstream = faultyFetch();
  const secret = `tollgate-contract-canary-${randomBytes(12).toString('hex')}`;
  const env: ContractEnv = {
    fetch: upstream.fetch,
    secret,
    log: { destination: logs.stream },
    upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
    store: () => openDatabaseOnUse({ name: `${options.name}-contract`, memory: true }),
    onClose: (cleanup) => {
      cleanups.push(cleanup);
    },
  };
  let server: TollgateServer | undefined;
  let failure: { error: unknown } | undefined;
  try {
    server = await options.create(env);
    const started = server;
    await started.prepare();
    const connection = await connectInProcess(started);
    connections.push(connection.close);
    await body({
      server: started,
      upstream,
      logs,
      secret,
      list: async () => (await connection.client.listTools()).tools,
      call: (tool, args) =>
        connection.client.callTool({ name: tool, arguments: args }) as Promise<ToolResult>,
      connectAs: async (scopes) => {
        const principal = { id: `contract-${randomBytes(4).toString('hex')}`, scopes };
        const legacy = await connectInProcess(started, { era: 'legacy', principal });
        connections.push(legacy.close);
        return legacy.client;
      },
      snapshot: async () => {
        if (options.snapshot !== undefined) return options.snapshot(started);
        return started.store === undefined ? undefined : storeSnapshot(started.store);
      },
    });
  } catch (error) {
    failure = { error };
  }
  // Clients first, then the server (which closes its store), then what the factory opened.
  const errors: unknown[] = [];
  const close = async (cleanup: () => Promise<void>) => {
    await cleanup().catch((error: unknown) => errors.push(error));
  };
  for (const cleanup of connections.reverse()) await close(cleanup);
  if (server !== undefined) await close(server.close);
  for (const cleanup of cleanups.reverse()) await close(cleanup);
  // A failing case reports its own failure, not a cleanup's that followed from it.
  if (failure !== undefined) throw failure.error;
  if (errors.length > 0) throw errors[0];
}
