import { startTracing } from '../telemetry/tracing.ts';
import type { TollgateServer } from './createServer.ts';
import { DEFAULT_DRAIN_TIMEOUT_MS, type HttpOptions } from './http.ts';
import { StdioTransport } from './StdioTransport.ts';

export interface ServeOptions extends HttpOptions {
  /** Serve Streamable HTTP instead of stdio. */
  http?: boolean;
  /** Runs once at shutdown, after the transport closed: close databases and clients here. */
  onClose?: () => Promise<void>;
  /**
   * The stdio connection, when made before the server was built (`new StdioTransport()` first thing
   * in the process), so that a client leaving during start-up is not missed. Default: made here.
   */
  stdio?: StdioTransport;
  /**
   * Leave SIGINT alone. A job that starts its servers as children shares their terminal, so Ctrl-C
   * reaches every process of the group at once; the job lets its calls in flight finish, then closes
   * each child's stdin, which is what stops the child.
   */
  ignoreInterrupt?: boolean;
}

export interface Serving {
  /** The HTTP endpoint, when serving HTTP. */
  url?: URL;
  close(): Promise<void>;
}

/** How long shutdown may take once the client is gone or a signal came, before the process just exits. */
export const SHUTDOWN_GRACE_MS = 800;

/**
 * Serves a Tollgate server as a process: stdio (until the client goes away by either pipe) or HTTP,
 * shutting down cleanly on SIGINT/SIGTERM. Status goes to stderr, which never carries protocol traffic.
 */
export async function serve(server: TollgateServer, options: ServeOptions = {}): Promise<Serving> {
  // Spans go to an OTLP collector when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise tracing is off.
  const tracing = startTracing({ serviceName: `tollgate-${server.name}` });
  let closing: Promise<void> | undefined;
  let stopTransport: () => Promise<void> = async () => {};
  const close = () => {
    closing ??= (async () => {
      await stopTransport().catch(() => undefined);
      await options.onClose?.().catch(() => undefined);
      await tracing?.shutdown().catch(() => undefined);
      server.logger.flush();
    })();
    return closing;
  };
  const shutdown = () => {
    // A store or client that will not close must not keep a server alive after its host is gone:
    // Claude Code starts the next session's servers on the same store right after. Exiting with work
    // unfinished is safe: an uncommitted transaction rolls back, and an upstream effect keeps its lease.
    setTimeout(
      () => process.exit(0),
      options.http ? (options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS) + 2_000 : SHUTDOWN_GRACE_MS,
    ).unref();
    void close().then(() => process.exit(0));
  };
  if (options.ignoreInterrupt) process.on('SIGINT', () => undefined);
  else process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);

  if (options.http) {
    const listener = await server.listen(options);
    stopTransport = listener.close;
    const auth = options.auth
      ? `bearer tokens from ${options.auth.issuer}, audience ${options.auth.audience ?? listener.resource}`
      : options.allowUnauthenticated
        ? 'no token auth (…_AUTH=none)'
        : 'no token auth: loopback only; set …_AUTH_ISSUER to require tokens';
    process.stderr.write(`${server.name} server listening on ${listener.url} (Streamable HTTP) — ${auth}\n`);
    return { url: listener.url, close };
  }
  const transport = options.stdio ?? new StdioTransport();
  const handle = server.serveStdio(transport);
  stopTransport = () => handle.close();
  // The client leaving — stdin ending or stdout failing — stops the server; pools must not keep it alive.
  void transport.ended.then(shutdown);
  return { close };
}
