import {
  createMcpHandler,
  type McpHttpHandler,
  type McpRequestContext,
  type McpServerFactory,
  Server,
} from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { Gate } from '../gate/Gate.ts';
import type { IdempotencyOptions } from '../idempotency/serverIdempotency.ts';
import { Redactor } from '../redact/Redactor.ts';
import type { Database } from '../store/Database.ts';
import type { Migration } from '../store/migrate.ts';
import { createLogger, type Logger, type LoggerOptions, openDestination } from '../telemetry/logger.ts';
import { type Principal, principalOf, type ToolDefinition } from '../tool/defineTool.ts';
import { validateTools } from '../tool/validateTools.ts';
import {
  type AccessPolicy,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  type HttpOptions,
  listenHttp,
  subjectOf,
} from './http.ts';
import { runAsProcess, SHUTDOWN_GRACE_MS } from './runAsProcess.ts';
import { StdioTransport } from './StdioTransport.ts';
import { type PreparedStore, prepareStore, resolveStore, type StoreOption } from './serverStore.ts';

export interface ServerOptions {
  name: string;
  version: string;
  /** Shown to people by clients that have room for it. */
  title?: string;
  // biome-ignore lint/suspicious/noExplicitAny: each tool has its own schema types; the list is heterogeneous.
  tools: readonly ToolDefinition<any, any, any>[];
  /**
   * The most this server may ever do. On stdio every caller gets these; on HTTP a token narrows them.
   * Default: every scope the tools need.
   */
  grantedScopes?: Iterable<string> | undefined;
  /**
   * Where idempotency keys are kept, and the server's own tables (`migrations`). A server with a
   * `create` tool always has one: by default embedded PGlite in `$TOLLGATE_HOME/<name>/pgdata`.
   * A server with neither create tools, migrations nor a store opens none. The server closes it.
   */
  store?: StoreOption;
  /** The server's own tables, applied (once, in order) before the first call reaches the store. */
  migrations?: readonly Migration[];
  /** How long keys are leased and kept; see `IdempotencyOptions`. */
  idempotency?: IdempotencyOptions;
  /** Upstream credentials and other values that must never appear in results or logs. */
  secrets?: Iterable<string | undefined>;
  /** Who the stdio caller is, for the call record. Default `local`. */
  principal?: string | undefined;
  /** Default deadline for a handler. Default 30 s. */
  defaultTimeoutMs?: number;
  /** Where call records and handler logs go (default: stderr as JSON lines) and at what level. */
  log?: Omit<LoggerOptions, 'redactor'>;
  /** Shown to clients at connect time. */
  instructions?: string;
  /** What `/readyz` checks besides "not shutting down". Default: that the store answers, when there is one. */
  ready?: () => Promise<unknown>;
  /** Closes what the server holds besides its store (HTTP clients, adapters); runs before the store closes. */
  onClose?: () => Promise<void>;
}

export interface StartOptions {
  /** Serve Streamable HTTP with these options instead of stdio. */
  http?: HttpOptions;
  /**
   * The stdio connection, when made before the server was built (`new StdioTransport()` first thing
   * in the process), so that a client leaving during start-up is not missed. Default: made here.
   */
  stdio?: StdioTransport;
  /**
   * Treat this as the process's server: SIGINT and SIGTERM (and, on stdio, the client going away)
   * close it and exit the process, and spans are exported when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
   * Default true; false for a server embedded in a larger process (tests), which calls `close()` itself.
   */
  process?: boolean;
  /**
   * Leave SIGINT alone. A job that starts its servers as children shares their terminal, so Ctrl-C
   * reaches every process of the group at once; the job lets its calls in flight finish, then closes
   * each child's stdin, which is what stops the child.
   */
  ignoreInterrupt?: boolean;
  /**
   * How the listening line names the setting that turned token auth off, as the operator set it
   * (`CRM_AUTH=none`). Default: `allowUnauthenticated`.
   */
  unauthenticatedSetting?: string;
}

export interface Serving {
  /** The MCP endpoint, when serving HTTP, e.g. http://127.0.0.1:41234/mcp */
  readonly url: URL | undefined;
  /** The canonical URL tokens must name, when serving HTTP with auth. */
  readonly resource: string | undefined;
  /** Stops serving and closes the server (see `TollgateServer.close`). */
  close(): Promise<void>;
}

export interface TollgateServer {
  readonly name: string;
  readonly version: string;
  readonly gate: Gate;
  /** The tools as defined, in order: for tools that inspect a server (contract tests, docs). */
  // biome-ignore lint/suspicious/noExplicitAny: each tool has its own schema types; the list is heterogeneous.
  readonly tools: readonly ToolDefinition<any, any, any>[];
  readonly logger: Logger;
  /** The server's store, when it has one (see `ServerOptions.store`). */
  readonly store: Database | undefined;
  /**
   * Serves this server: stdio by default, Streamable HTTP with `{ http: { port } }`. Once per server.
   * @example await server.start(); // stdio
   * @example await server.start({ http: { port: 3333 } });
   */
  start(options: StartOptions & { http: HttpOptions }): Promise<Serving & { readonly url: URL }>;
  start(options?: StartOptions): Promise<Serving>;
  /**
   * Opens and readies the store now (the server's migrations, then the key table), instead of on
   * the first call that needs it: for a process that should fail at start when its store is
   * unreachable, or a test that reads the server's tables before any call. Nothing to do without a store.
   */
  prepare(): Promise<void>;
  /** Stops serving (an HTTP server drains calls in flight first), then closes `onClose` and the store. Once. */
  close(): Promise<void>;
  /** One MCP server instance for a principal (default: the stdio principal), to connect to a transport of your own. */
  createInstance(principal?: Principal): Server;
  /** An SDK factory, for the SDK's own entry points. */
  readonly factory: McpServerFactory;
  /** A web-standard fetch handler serving Streamable HTTP (stateless), to mount in a framework of your own. */
  httpHandler(options?: { maxBodyBytes?: number }): McpHttpHandler;
}

/**
 * Creates a Tollgate MCP server. Every tool is checked now; every call passes the gate. A server
 * with a `create` tool always enforces idempotency keys: there is no option to turn that off.
 *
 * @example
 * const server = createServer({ name: 'notes', version: '1.0.0', tools: [getNote, addNote] });
 * await server.start();
 */
export function createServer(options: ServerOptions): TollgateServer {
  validateTools(options.name, options.tools);
  const secrets = [...(options.secrets ?? [])].filter((s): s is string => typeof s === 'string' && s !== '');
  const redactor = new Redactor(secrets);
  const destination = openDestination(options.log?.destination);
  const logger = createLogger({ ...options.log, destination, redactor });
  // Constant fields are bound once: pino serializes child bindings at creation, not per line.
  const recordLogger = createLogger({ ...options.log, destination }).child({
    event: 'tool_call',
    server: options.name,
  });
  // Requests refused for their credentials (401/503) have no tool call; they get a record of their own.
  const refusalLogger = createLogger({ ...options.log, destination }).child({
    event: 'auth_refused',
    server: options.name,
  });
  const granted = new Set(options.grantedScopes ?? options.tools.flatMap((tool) => tool.scopes));
  const stdioPrincipal: Principal = { id: options.principal ?? 'local', scopes: granted };

  const needsStore =
    options.store !== undefined ||
    (options.migrations?.length ?? 0) > 0 ||
    options.tools.some((tool) => tool.kind === 'create');
  const store = needsStore ? resolveStore(options.name, options.store) : undefined;
  const prepared: PreparedStore | undefined =
    store === undefined
      ? undefined
      : prepareStore(options.name, store, options.migrations ?? [], options.idempotency ?? {});

  const gate = new Gate({
    server: options.name,
    tools: options.tools,
    logger,
    recordLogger,
    redactor,
    defaultTimeoutMs: options.defaultTimeoutMs ?? 30_000,
    ...(prepared === undefined ? {} : { idempotency: prepared.step }),
  });

  const createInstance = (principal: Principal = stdioPrincipal): Server => {
    const server = new Server(
      {
        name: options.name,
        version: options.version,
        ...(options.title === undefined ? {} : { title: options.title }),
      },
      {
        capabilities: { tools: {} },
        ...(options.instructions ? { instructions: options.instructions } : {}),
      },
    );
    server.setRequestHandler('tools/list', async () => ({ tools: gate.list(principal) }));
    server.setRequestHandler('tools/call', async (request, ctx) =>
      gate.call({
        name: request.params.name,
        arguments: request.params.arguments,
        meta: request.params._meta,
        principal,
        signal: () => ctx.mcpReq.signal,
      }),
    );
    return server;
  };

  // On HTTP a verified token (when auth is configured) can only narrow the server's own grant.
  const principalFor = (ctx: McpRequestContext): Principal => {
    const auth = ctx.authInfo;
    if (auth === undefined) return { id: 'anonymous', scopes: granted };
    return principalOf(
      auth.clientId,
      subjectOf(auth),
      new Set(auth.scopes.filter((scope) => granted.has(scope))),
    );
  };
  const factory: McpServerFactory = (ctx) =>
    createInstance(ctx.requestInfo === undefined ? stdioPrincipal : principalFor(ctx));

  // Lets the HTTP layer answer 403 insufficient_scope before a call reaches the gate, and still
  // leave the same call record a refusal inside the gate would.
  const access: AccessPolicy = {
    scopesSupported: [
      ...new Set(options.tools.flatMap((tool) => tool.scopes).filter((scope) => granted.has(scope))),
    ].sort(),
    requiredScopes: (tool) => gate.requiredScopes(tool),
    effectiveScopes: (tokenScopes) => new Set(tokenScopes.filter((scope) => granted.has(scope))),
    recordRefused: (refusal) => {
      const line = {
        status: refusal.status,
        reason: refusal.reason,
        method: redactor.string(refusal.method.slice(0, 16)),
        remote: refusal.remoteAddress,
      };
      // A client probing without a token is the first step of OAuth discovery, not an incident.
      if (refusal.reason === 'missing_token') refusalLogger.info(line, 'request refused');
      else refusalLogger.warn(line, 'request refused');
    },
    recordDenied: async (call) => {
      await gate.call({
        name: call.tool,
        arguments: call.arguments,
        meta: call.meta,
        principal: principalOf(call.clientId, call.subject, call.scopes),
      });
    },
  };

  const httpHandler = (http: { maxBodyBytes?: number } = {}) =>
    createMcpHandler(factory, { maxRequestBodySize: http.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES });

  const readiness = options.ready ?? (store === undefined ? undefined : () => store.query('select 1'));
  let stopServing: (() => Promise<void>) | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await stopServing?.().catch(() => undefined);
      prepared?.close();
      try {
        await options.onClose?.();
      } finally {
        await store?.close();
        logger.flush();
      }
    })();
    return closing;
  };

  const start = async (start: StartOptions = {}): Promise<Serving & { readonly url: URL }> => {
    if (stopServing !== undefined || closing !== undefined) {
      throw new Error(`The ${options.name} server was started or closed already; start it once.`);
    }
    stopServing = async () => undefined;
    let serving: Serving;
    if (start.http !== undefined) {
      const http = start.http;
      const listener = await listenHttp(
        httpHandler(http.maxBodyBytes === undefined ? {} : { maxBodyBytes: http.maxBodyBytes }),
        // The store answering is part of being ready, unless the caller says what ready means.
        { ...(readiness === undefined ? {} : { ready: readiness }), ...http },
        access,
      );
      stopServing = listener.close;
      serving = { url: listener.url, resource: listener.resource, close };
      if (start.process !== false) {
        runAsProcess({
          name: options.name,
          close,
          exitGraceMs: (http.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS) + 2_000,
          ignoreInterrupt: start.ignoreInterrupt ?? false,
        });
        process.stderr.write(
          `${options.name} server listening on ${listener.url} (Streamable HTTP) — ${authSummary(http, listener.resource, start.unauthenticatedSetting)}\n`,
        );
      }
    } else {
      const transport = start.stdio ?? new StdioTransport();
      const handle = serveStdio(factory, { transport });
      stopServing = () => handle.close();
      serving = { url: undefined, resource: undefined, close };
      if (start.process !== false) {
        const shutdown = runAsProcess({
          name: options.name,
          close,
          exitGraceMs: SHUTDOWN_GRACE_MS,
          ignoreInterrupt: start.ignoreInterrupt ?? false,
        });
        // The client leaving — stdin ending or stdout failing — stops the process; pools must not keep it alive.
        void transport.ended.then(shutdown);
      } else void transport.ended.then(close);
    }
    // The overload promises a URL only to callers that asked for HTTP.
    return serving as Serving & { readonly url: URL };
  };

  return {
    name: options.name,
    version: options.version,
    gate,
    tools: options.tools,
    logger,
    store,
    start,
    prepare: async () => {
      await prepared?.ready();
    },
    close,
    createInstance,
    factory,
    httpHandler,
  };
}

function authSummary(http: HttpOptions, resource: string | undefined, setting?: string): string {
  if (http.auth) return `bearer tokens from ${http.auth.issuer}, audience ${http.auth.audience ?? resource}`;
  if (http.allowUnauthenticated) return `no token auth (${setting ?? 'allowUnauthenticated'})`;
  return 'no token auth: loopback only; configure auth to require tokens';
}
