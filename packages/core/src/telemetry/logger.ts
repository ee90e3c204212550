import { type DestinationStream, type Logger, pino } from 'pino';
import type { Redactor } from '../redact/Redactor.ts';
import { pinoIsoTime } from './isoTime.ts';
import { type FileSink, LineBatch } from './lineBatch.ts';

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

/** Characters of log lines collected before a file destination is written. */
const FILE_CHUNK = 4096;

/**
 * Opens a log destination. A file descriptor (stderr by default) is written synchronously, so the
 * record of a call is out before the process can die; a file path is written 4 KiB at a time,
 * flushed on exit, because per-line writes to a file cost more than the call being recorded. The
 * lines of a chunk are collected by a {@link LineBatch}, not by SonicBoom itself: see there why.
 */
export function openDestination(destination: LoggerOptions['destination'] = 2): DestinationStream {
  if (typeof destination === 'number') return pino.destination({ dest: destination, sync: true });
  if (typeof destination === 'string') {
    const file = pino.destination({ dest: destination, sync: false, minLength: FILE_CHUNK, mkdir: true });
    return new LineBatch(file as unknown as FileSink, FILE_CHUNK);
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
