import { type DestinationStream, type Logger, pino } from 'pino';
import type { Redactor } from '../redact/Redactor.ts';
import { pinoIsoTime } from './isoTime.ts';

export type { Logger };

export interface LoggerOptions {
  /**
   * Where JSON lines go: a file descriptor, a file path, or a stream. Default: stderr (fd 2),
   * because on stdio stdout belongs to the MCP transport.
   */
  destination?: number | string | DestinationStream;
  /** Default `info`; the `tollgate` command passes `TOLLGATE_LOG_LEVEL`. */
  level?: pino.LevelWithSilent;
  /** Scrubs configured secrets from every line, including what handlers log themselves. */
  redactor?: Redactor;
}

/**
 * Opens a log destination. A file descriptor (stderr by default) is written synchronously, so the
 * record of a call is out before the process can die; a file path is written through a 4 KiB buffer,
 * flushed on exit, because per-line writes to a file cost more than the call being recorded.
 */
export function openDestination(destination: LoggerOptions['destination'] = 2): DestinationStream {
  if (typeof destination === 'number') return pino.destination({ dest: destination, sync: true });
  if (typeof destination === 'string') {
    return pino.destination({ dest: destination, sync: false, minLength: 4096, mkdir: true });
  }
  return destination;
}

/** A pino logger writing one JSON object per line with ISO timestamps. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const redactor = options.redactor;
  return pino(
    {
      level: options.level ?? 'info',
      base: null,
      timestamp: pinoIsoTime,
      formatters: { level: (label) => ({ level: label }) },
      ...(redactor === undefined || redactor.size === 0
        ? {}
        : {
            hooks: {
              logMethod(args, method) {
                method.apply(this, args.map((arg) => redactor.value(arg)) as Parameters<typeof method>);
              },
            },
          }),
    },
    openDestination(options.destination),
  );
}
