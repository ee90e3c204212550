import {
  createMcpHandler,
  type McpHttpHandler,
  type McpRequestContext,
  type McpServerFactory,
  Server,
} from '@modelcontextprotocol/server';
import { type StdioServerHandle, serveStdio } from '@modelcontextprotocol/server/stdio';
import type { GateStep } from '../gate/CallContext.ts';
import { Gate } from '../gate/Gate.ts';
import { Redactor } from '../redact/Redactor.ts';
import { createLogger, type Logger, type LoggerOptions, openDestination } from '../telemetry/logger.ts';
import { type Principal, principalOf, type ToolDefinition } from '../tool/defineTool.ts';
import { validateTools } from '../tool/validateTools.ts';
import {
  type AccessPolicy,
  DEFAULT_MAX_BODY_BYTES,
  type HttpListener,
  type HttpOptions,
  listenHttp,
  subjectOf,
} from './http.ts';
import { StdioTransport } from './StdioTransport.ts';

export interface ServerOptions {
  name: string;
  version: string;
  // biome-ignore lint/suspicious/noExplicitAny: each tool has its own schema types; the list is heterogeneous.
  tools: readonly ToolDefinition<any, any, any>[];
  /** The most this server may ever do. On stdio every caller gets these; on HTTP a token narrows them. */
  grantedScopes: Iterable<string>;
  /** Upstream credentials and other values that must never appear in results or logs. */
  secrets?: Iterable<string | undefined>;
  /** Who the stdio caller is, for the call record. Default `local`. */
  principal?: string;
  /** Default deadline for a handler. Default 30 s. */
  defaultTimeoutMs?: number;
  /** Server-enforced idempotency; see `idempotencyStep`. Default: pass through. */
  idempotency?: GateStep;
  /** Where call records and handler logs go (default: stderr as JSON lines) and at what level. */
  log?: Omit<LoggerOptions, 'redactor'>;
  /** Shown to clients at connect time. */
  instructions?: string;
}

export interface TollgateServer {
  readonly name: string;
  readonly version: string;
  readonly gate: Gate;
  readonly logger: Logger;
  /** Builds one MCP server instance for a principal (the default: the stdio principal). */
  createInstance(principal?: Principal): Server;
  /** An SDK factory for `serveStdio`/`createMcpHandler`-style entry points. */
  factory: McpServerFactory;
  /** A web-standard fetch handler serving Streamable HTTP (stateless). */
  httpHandler(options?: { maxBodyBytes?: number }): McpHttpHandler;
  /** Serves this process's stdin/stdout; pass a transport made early to catch a client leaving during start-up. */
  serveStdio(transport?: StdioTransport): StdioServerHandle;
  listen(options?: HttpOptions): Promise<HttpListener>;
}

/**
 * Creates a Tollgate MCP server. Every tool is checked at start; every call passes the gate.
 *
 * @example
 * const server = createServer({ name: 'crm', version: '1.0.0', tools: [getAccount], grantedScopes: ['accounts:read'] });
 * server.serveStdio();
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
  const granted = new Set(options.grantedScopes);
  const stdioPrincipal: Principal = { id: options.principal ?? 'local', scopes: granted };
  const gate = new Gate({
    server: options.name,
    tools: options.tools,
    logger,
    recordLogger,
    redactor,
    defaultTimeoutMs: options.defaultTimeoutMs ?? 30_000,
    ...(options.idempotency === undefined ? {} : { idempotency: options.idempotency }),
  });

  const createInstance = (principal: Principal = stdioPrincipal): Server => {
    const server = new Server(
      { name: options.name, version: options.version },
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

  return {
    name: options.name,
    version: options.version,
    gate,
    logger,
    createInstance,
    factory,
    httpHandler,
    serveStdio: (transport = new StdioTransport()) => serveStdio(factory, { transport }),
    listen: (http = {}) =>
      listenHttp(
        httpHandler(http.maxBodyBytes === undefined ? {} : { maxBodyBytes: http.maxBodyBytes }),
        http,
        access,
      ),
  };
}
