import { type DestinationStream, type Logger, pino } from 'pino';
import type { Redactor } from '../redact/Redactor.ts';

export type { Logger };

export interface LoggerOptions {
  /**
   * Where JSON lines go: a file descriptor, a file path, or a stream. Default: stderr (fd 2),
   * because on stdio stdout belongs to the MCP transport.
   */
  destination?: number | string | DestinationStream;
  level?: pino.LevelWithSilent;
  /** Scrubs configured secrets from every line, including what handlers log themselves. */
  redactor?: Redactor;
}

/** A pino logger writing one JSON object per line with ISO timestamps. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? 2;
  const stream =
    typeof destination === 'number' || typeof destination === 'string'
      ? pino.destination({ dest: destination, sync: typeof destination === 'number', mkdir: true })
      : destination;
  const redactor = options.redactor;
  return pino(
    {
      level: options.level ?? (process.env.TOLLGATE_LOG_LEVEL as pino.LevelWithSilent | undefined) ?? 'info',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
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
    stream,
  );
}
