import { startTracing } from '../telemetry/tracing.ts';
import type { TollgateServer } from './createServer.ts';
import type { HttpOptions } from './http.ts';

export interface ServeOptions extends HttpOptions {
  /** Serve Streamable HTTP instead of stdio. */
  http?: boolean;
  /** Runs once at shutdown, after the transport closed: close databases and clients here. */
  onClose?: () => Promise<void>;
}

export interface Serving {
  /** The HTTP endpoint, when serving HTTP. */
  url?: URL;
  close(): Promise<void>;
}

/**
 * Serves a Tollgate server as a process: stdio (until stdin ends) or HTTP, shutting down cleanly on
 * SIGINT/SIGTERM. Status goes to stderr, which never carries protocol traffic.
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
    // A store or client that will not close must not keep a server alive after its host is gone.
    setTimeout(() => process.exit(0), 5_000).unref();
    void close().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
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
  const handle = server.serveStdio();
  stopTransport = () => handle.close();
  // The host closes stdin to stop a stdio server; connection pools must not keep the process alive.
  process.stdin.once('end', shutdown);
  process.stdin.once('close', shutdown);
  return { close };
}
