import { type Logger, symbols } from 'pino';

export type RecordLevel = 'info' | 'error';

/** Writes call records, one JSON line each, through a pino logger. */
export interface RecordWriter {
  /** False when the logger drops lines of this level: such a record need not even be built. */
  isLevelEnabled(level: RecordLevel): boolean;
  write(level: RecordLevel, record: Readonly<Record<string, unknown>>, msg: string): void;
}

/** pino's message prefix (`msgPrefix`), which its type declarations do not list. */
const MSG_PREFIX = (symbols as unknown as Record<string, symbol | undefined>).msgPrefixSym;

/** pino's per-instance state this module reads, by the symbols pino exports for integrations. */
interface PinoInternals {
  [symbols.lsCacheSym]: Record<number, string>;
  [symbols.timeSym]: () => string;
  [symbols.chindingsSym]: string;
  [symbols.endSym]: string;
  [symbols.messageKeySym]: string;
  [symbols.streamSym]: { write(line: string): unknown; [symbols.needsMetadataGsym]?: boolean };
  [symbols.serializersSym]: Record<string, unknown>;
  [symbols.stringifiersSym]: Record<string | symbol, unknown>;
  [symbols.formattersSym]: { log?: unknown };
  [symbols.hooksSym]: { logMethod?: unknown; streamWrite?: unknown };
  [symbols.mixinSym]?: unknown;
  [symbols.nestedKeySym]: string | null;
}

/**
 * A writer of call records through `logger`: the same lines `logger.info(record, msg)` writes
 * (`{"level":…,"time":…`, the logger's bindings, the record's fields in order, `"msg"`), to the
 * same destination, at the logger's level as it is at each call.
 *
 * Why not `logger.info(record, msg)`: pino serializes an object key by key, escaping each string
 * and stringifying each value on its own, so that it can apply serializers, redaction paths and
 * formatters per key. A call record needs none of that: the record step builds it from plain data
 * it has already redacted and bounded, and writes one on every call. Here the record is serialized
 * by one `JSON.stringify` and the line assembled from pino's own level prefix, time and bindings:
 * 0.8 µs a record on the development machine, against 1.2 µs through `logger.info` (a template
 * written for the record's fields measured no faster than `JSON.stringify`).
 *
 * The line differs from pino's only where pino's is not valid JSON text (a lone surrogate in a
 * top-level string, which JSON.stringify escapes). When the logger is configured in a way this does
 * not reproduce (serializers other than pino's `err`, pino redaction paths, a log formatter, a
 * nested key, hooks, a mixin, a message prefix, a multistream), or a record holds what
 * JSON.stringify refuses (a BigInt, a cycle), the line is pino's own: `logger.info`.
 */
export function recordWriter(logger: Logger): RecordWriter {
  const generic: RecordWriter = {
    isLevelEnabled: (level) => logger.isLevelEnabled(level),
    write: (level, record, msg) => logger[level](record, msg),
  };
  const pino = logger as Logger & PinoInternals;
  if (typeof pino[symbols.timeSym] !== 'function' || !plainConfiguration(pino)) return generic;
  return {
    isLevelEnabled: generic.isLevelEnabled,
    write(level, record, msg) {
      if (Object.hasOwn(record, 'err')) return generic.write(level, record, msg);
      let json: string;
      try {
        json = JSON.stringify(record);
      } catch {
        return generic.write(level, record, msg);
      }
      // `{}` adds no field; otherwise the record's `{…}` without its braces follows the bindings.
      const fields = json.length === 2 ? '' : `,${json.slice(1, -1)}`;
      const prefix = pino[symbols.lsCacheSym][logger.levels.values[level] as number];
      const message = `,${JSON.stringify(pino[symbols.messageKeySym])}:${JSON.stringify(msg)}`;
      pino[symbols.streamSym].write(
        `${prefix}${pino[symbols.timeSym]()}${pino[symbols.chindingsSym]}${fields}${message}${pino[symbols.endSym]}`,
      );
    },
  };
}

/** True when `logger.info(record, msg)` writes exactly the line {@link recordWriter} assembles. */
function plainConfiguration(logger: PinoInternals): boolean {
  const serializers = Object.keys(logger[symbols.serializersSym]).filter((key) => key !== 'err');
  const stringifiers = logger[symbols.stringifiersSym];
  const hooks = logger[symbols.hooksSym];
  return (
    serializers.length === 0 &&
    Object.keys(stringifiers).length === 0 &&
    stringifiers[symbols.wildcardFirstSym] === undefined &&
    logger[symbols.formattersSym].log === undefined &&
    !logger[symbols.nestedKeySym] &&
    hooks.logMethod === undefined &&
    hooks.streamWrite === undefined &&
    !logger[symbols.mixinSym] &&
    (MSG_PREFIX === undefined || !(logger as unknown as Record<symbol, unknown>)[MSG_PREFIX]) &&
    logger[symbols.streamSym][symbols.needsMetadataGsym] !== true
  );
}
