import { startTracing } from '../telemetry/tracing.ts';

/** How long shutdown may take once the client is gone or a signal came, before the process just exits. */
export const SHUTDOWN_GRACE_MS = 800;

export interface ProcessOptions {
  /** The server's name: `tollgate-<name>` is the service name of its spans. */
  name: string;
  /** Closes the server: transport, then what it holds. */
  close: () => Promise<void>;
  /** How long closing may take before the process exits anyway. */
  exitGraceMs: number;
  /** Leave SIGINT alone (see `StartOptions.ignoreInterrupt`). */
  ignoreInterrupt: boolean;
}

/**
 * Makes a started server the process's own: SIGINT/SIGTERM close it and exit, and spans go to an
 * OTLP collector when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (otherwise tracing is off and costs
 * nothing). Returns the shutdown, for other reasons to stop (the stdio client going away).
 */
export function runAsProcess(options: ProcessOptions): () => void {
  const tracing = startTracing({ serviceName: `tollgate-${options.name}` });
  let exiting = false;
  const shutdown = () => {
    if (exiting) return;
    exiting = true;
    // A store or client that will not close must not keep a server alive after its host is gone:
    // Claude Code starts the next session's servers on the same store right after. Exiting with work
    // unfinished is safe: an uncommitted transaction rolls back, and an upstream effect keeps its lease.
    setTimeout(() => process.exit(0), options.exitGraceMs).unref();
    void options
      .close()
      .catch(() => undefined)
      .then(() => tracing?.shutdown())
      .catch(() => undefined)
      .then(() => process.exit(0));
  };
  if (options.ignoreInterrupt) process.on('SIGINT', () => undefined);
  else process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return shutdown;
}
