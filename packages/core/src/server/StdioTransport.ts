import type { Readable, Writable } from 'node:stream';
import {
  INVALID_REQUEST,
  type JSONRPCMessage,
  PARSE_ERROR,
  parseJSONRPCMessage,
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
  serializeMessage,
  type Transport,
} from '@modelcontextprotocol/server';

export interface StdioTransportOptions {
  stdin?: Readable;
  stdout?: Writable;
  /** The longest line accepted; a longer one closes the connection. Default: the SDK's (about 10 MB). */
  maxLineBytes?: number;
}

/**
 * The server end of a stdio connection, for the SDK's `serveStdio({ transport })`.
 *
 * It differs from the SDK's own transport in three ways, each seen with real clients:
 * - It starts reading as soon as it is made, before the server is ready, so a client that leaves
 *   during start-up is noticed at once (`ended`), not after the store has opened.
 * - It ends when the client goes away by either pipe: stdin reaching its end or closing, or stdout
 *   failing (EPIPE) or closing. The SDK's transport closes itself on EPIPE but then waits for a stdin
 *   `end` that never comes, and the process lives on holding its store (a `claude -p` that exits
 *   0.4 s after `initialize` left servers running for good).
 * - A line it cannot use is answered, as JSON-RPC 2.0 requires, instead of dropped while the client
 *   waits: invalid JSON with -32700 Parse error, anything else that is not a JSON-RPC 2.0 message
 *   (`jsonrpc: "1.0"`, `id: null`, params that are not an object, a batch) with -32600 Invalid Request,
 *   carrying the request's id when it has a usable one.
 */
export class StdioTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;

  /** Settles when the client has gone away (or `close()` was called). */
  readonly ended: Promise<void>;

  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #maxLineBytes: number;
  #buffer: Buffer | undefined;
  #pending: JSONRPCMessage[] | undefined = [];
  #closed = false;
  #end!: () => void;

  constructor(options: StdioTransportOptions = {}) {
    this.#stdin = options.stdin ?? process.stdin;
    this.#stdout = options.stdout ?? process.stdout;
    this.#maxLineBytes = options.maxLineBytes ?? STDIO_DEFAULT_MAX_BUFFER_SIZE;
    this.ended = new Promise((resolve) => {
      this.#end = resolve;
    });
    this.#stdin.on('data', this.#onData);
    this.#stdin.on('error', this.#onClientGone);
    this.#stdin.on('end', this.#onClientGone);
    this.#stdin.on('close', this.#onClientGone);
    this.#stdout.on('error', this.#onClientGone);
    this.#stdout.on('close', this.#onClientGone);
    if (this.#stdin.readableEnded || this.#stdin.destroyed) setImmediate(this.#onClientGone);
  }

  async start(): Promise<void> {
    const pending = this.#pending ?? [];
    this.#pending = undefined;
    for (const message of pending) this.onmessage?.(message);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('The stdio connection is closed.'));
    return new Promise((resolve, reject) => {
      this.#stdout.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stdin.off('data', this.#onData);
    this.#stdin.pause();
    this.#buffer = undefined;
    this.#end();
    this.onclose?.();
  }

  readonly #onClientGone = (error?: unknown) => {
    if (this.#closed) return;
    if (error instanceof Error && (error as NodeJS.ErrnoException).code !== 'EPIPE') this.onerror?.(error);
    void this.close();
  };

  readonly #onData = (chunk: Buffer) => {
    this.#buffer = this.#buffer === undefined ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const end = this.#buffer.indexOf(0x0a);
      if (end === -1) break;
      const line = this.#buffer.toString('utf8', 0, end).replace(/\r$/, '');
      this.#buffer = this.#buffer.subarray(end + 1);
      if (line.trim() !== '') this.#line(line);
      if (this.#closed) return;
    }
    if (this.#buffer.length > this.#maxLineBytes) {
      this.onerror?.(
        new Error(`A stdio message exceeded ${this.#maxLineBytes} bytes; closing the connection.`),
      );
      void this.close();
    }
  };

  #line(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.#refuse(null, PARSE_ERROR, 'Parse error: the line is not valid JSON.');
      return;
    }
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(value);
    } catch {
      this.#refuse(usableId(value), INVALID_REQUEST, invalidRequestMessage(value));
      return;
    }
    if (this.#pending !== undefined) this.#pending.push(message);
    else this.onmessage?.(message);
  }

  #refuse(id: string | number | null, code: number, message: string): void {
    if (this.#closed) return;
    // Written directly: the SDK's message type has no room for the `id: null` JSON-RPC demands here.
    this.#stdout.write(
      `${JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })}\n`,
      () => undefined,
    );
  }
}

function usableId(value: unknown): string | number | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

function invalidRequestMessage(value: unknown): string {
  if (Array.isArray(value))
    return 'Invalid Request: batches are not supported; send one JSON-RPC object per line.';
  if (value === null || typeof value !== 'object') return 'Invalid Request: a message must be a JSON object.';
  const object = value as Record<string, unknown>;
  if (object.jsonrpc !== '2.0') return 'Invalid Request: "jsonrpc" must be "2.0".';
  if ('id' in object && usableId(object) === null) {
    return 'Invalid Request: "id" must be a string or a number.';
  }
  if (
    'params' in object &&
    (object.params === null || typeof object.params !== 'object' || Array.isArray(object.params))
  ) {
    return 'Invalid Request: "params" must be an object.';
  }
  return 'Invalid Request: not a JSON-RPC 2.0 request, notification or response.';
}
