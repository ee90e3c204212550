import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import {
  type AnyToolContract,
  callTool,
  startClientToolSpan,
  type ToolArguments,
  type ToolCallError,
  type ToolOutcome,
  type ToolValue,
} from '@tollgate/core/client';
import { authFailure } from '../auth/authFailure.ts';
import { type ServerAuth, ServerAuthError } from '../auth/ServerAuth.ts';

/** How to reach one server: a stdio child process, or a Streamable HTTP endpoint. */
export type ServerSpec =
  | {
      kind: 'stdio';
      command: string;
      args: string[];
      env: Record<string, string>;
      /** Where the child's stderr (its call records and logs) is appended. Default: only a tail is kept. */
      logFile?: string;
    }
  | {
      kind: 'http';
      url: string;
      headers?: Record<string, string>;
      /** The bearer credential: a fixed token or OAuth client credentials (see `serverCredentials`). */
      auth?: ServerAuth;
    };

/** Why a call answered no value: the server's classification, or the connection's (see `callTool`). */
export type CallError = ToolCallError;

/** A call's outcome, typed by the tool's contract. */
export type CallOutcome<V = unknown> = ToolOutcome<V>;

export interface CallOptions {
  /** The attempt number, sent in `_meta` so the server's call record shows retries. */
  attempt: number;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Set on the call's span, such as the accounts a batch call carries. */
  spanAttributes?: Record<string, string | number | string[]> | undefined;
}

/**
 * One MCP client connection to one server. A call never throws: tool errors come back as the
 * server classified them, a refused credential as terminal `unauthorized` or `forbidden`, and
 * transport failures (a crashed child, a refused socket) as retryable `upstream_unavailable`, after
 * which the next call reconnects (restarting a stdio child).
 */
export class ServerConnection {
  readonly name: string;
  readonly #spec: ServerSpec;
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;
  #stderr = '';
  #log: WriteStream | undefined;

  constructor(name: string, spec: ServerSpec) {
    this.name = name;
    this.#spec = spec;
  }

  get #auth(): ServerAuth | undefined {
    return this.#spec.kind === 'http' ? this.#spec.auth : undefined;
  }

  /** The last lines a stdio child wrote to stderr, for error messages. */
  get stderrTail(): string {
    return this.#stderr.split('\n').slice(-5).join('\n');
  }

  connect(): Promise<Client> {
    this.#connecting ??= this.#open().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    return this.#connecting;
  }

  async #open(): Promise<Client> {
    const client = new Client({ name: 'tollgate-orchestrator', version: '0.1.0' });
    if (this.#spec.kind === 'stdio') {
      const transport = new StdioClientTransport({
        command: this.#spec.command,
        args: this.#spec.args,
        env: this.#spec.env,
        stderr: 'pipe',
      });
      const { logFile } = this.#spec;
      if (logFile !== undefined && this.#log === undefined) {
        mkdirSync(dirname(logFile), { recursive: true });
        // Call records name leads and accounts: readable by the job's user only.
        this.#log = createWriteStream(logFile, { flags: 'a', mode: 0o600 });
        this.#log.on('error', () => undefined);
      }
      transport.stderr?.on('data', (chunk: Buffer) => {
        // The server's call records are its audit trail: they go to the log file whole. In memory,
        // only a short tail for error messages, or a long run would fill it.
        this.#log?.write(chunk);
        this.#stderr = (this.#stderr + String(chunk)).slice(-4000);
      });
      await client.connect(transport);
    } else {
      const { auth } = this.#spec;
      const transport = new StreamableHTTPClientTransport(new URL(this.#spec.url), {
        requestInit: { headers: this.#spec.headers ?? {} },
        ...(auth ? { authProvider: auth } : {}),
      });
      try {
        await client.connect(transport);
      } catch (error) {
        // Say which setting to fix, not the SDK's bare "Unauthorized".
        const failure = authFailure(error, this.name, auth);
        if (failure === undefined) throw error;
        throw new ServerAuthError(failure.code, failure.message, { cause: error });
      }
    }
    client.onclose = () => {
      if (this.#client === client) {
        this.#client = undefined;
        this.#connecting = undefined;
      }
    };
    this.#client = client;
    return client;
  }

  async call<C extends AnyToolContract>(
    tool: C,
    args: ToolArguments<C>,
    options: CallOptions,
  ): Promise<CallOutcome<ToolValue<C>>> {
    // The span's trace context rides in _meta, so the server's span of this call is its child.
    const span = startClientToolSpan(this.name, tool.name, options.attempt, options.spanAttributes);
    const outcome = await this.#call(tool, args, options, span.meta);
    span.end(outcome.ok ? undefined : outcome.error.code);
    return outcome;
  }

  async #call<C extends AnyToolContract>(
    tool: C,
    args: ToolArguments<C>,
    options: CallOptions,
    traceMeta: Record<string, unknown>,
  ): Promise<CallOutcome<ToolValue<C>>> {
    let client: Client;
    try {
      client = await this.connect();
    } catch (error) {
      const failure = authFailure(error, this.name, this.#auth);
      if (failure !== undefined) return { ok: false, error: failure };
      return unavailable(`cannot reach the ${this.name} server: ${(error as Error).message}`);
    }
    try {
      // Tool errors, refused requests and timeouts come back as data; only a call that got no answer
      // at all throws.
      return await callTool(client, tool, args, {
        attempt: options.attempt,
        meta: traceMeta,
        timeoutMs: options.timeoutMs ?? 60_000,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      // A refused credential is final for this call; the connection itself is fine.
      const failure = authFailure(error, this.name, this.#auth);
      if (failure !== undefined) return { ok: false, error: failure };
      // A transport failure: the child may be gone. Drop the client so the next call reconnects.
      const failed = this.#client;
      this.#client = undefined;
      this.#connecting = undefined;
      void failed?.close().catch(() => undefined);
      return unavailable(`${this.name}.${tool.name}: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    const client = this.#client;
    const connecting = this.#connecting;
    this.#client = undefined;
    this.#connecting = undefined;
    await client?.close().catch(() => undefined);
    // A connect still in flight (a job giving up while other servers start) must not leave its
    // child running after the job is gone.
    await connecting?.then((late) => late.close()).catch(() => undefined);
    const log = this.#log;
    this.#log = undefined;
    if (log !== undefined) await new Promise<void>((resolve) => log.end(resolve));
  }
}

function unavailable(message: string): { ok: false; error: CallError } {
  return { ok: false, error: { code: 'upstream_unavailable', retryable: true, message } };
}
