import { Writable } from 'node:stream';

export interface LogCapture {
  /** Pass as `log.destination` when creating the server. */
  stream: Writable;
  /** Every raw line written so far. */
  lines(): string[];
  /** Every line parsed as JSON. */
  events(): Record<string, unknown>[];
  /** Parsed `tool_call` events. */
  calls(): Record<string, unknown>[];
}

/** Collects what a server logs, for assertions on call records. */
export function captureLogs(): LogCapture {
  let buffer = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      buffer += String(chunk);
      callback();
    },
  });
  const lines = () => buffer.split('\n').filter((line) => line !== '');
  const events = () => lines().map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines, events, calls: () => events().filter((event) => event.event === 'tool_call') };
}
