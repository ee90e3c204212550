import type { DestinationStream } from 'pino';

/** What `pino.destination()` returns (a SonicBoom), as far as this module uses it. */
export interface FileSink extends DestinationStream {
  flush(cb?: (error?: Error) => void): void;
  flushSync(): void;
  end(): void;
}

/**
 * Collects whole log lines in memory and hands them to a file sink `minLength` characters at a
 * time, so that the sink sees one write per chunk instead of one per line.
 *
 * Why: SonicBoom, buffering writes to a file, appends each line to its pending string and then
 * measures that whole string's UTF-8 length (`Buffer.byteLength`). The pending string is a rope
 * built by `+=`, which V8 has to flatten, that is copy, to measure: every line costs a copy of the
 * up to 16 KiB written before it, about 2.8 µs a line on the development machine, more than
 * serializing the line. Here a line costs a push onto an array; the chunk is joined once.
 *
 * What stays the same: at most `minLength` characters (plus one line) wait in memory, as in
 * SonicBoom's own buffer before; `flush()` and `flushSync()` (pino's `logger.flush()`, the exit
 * hook) first hand over what is collected, so nothing written is lost at exit.
 */
export class LineBatch implements DestinationStream {
  readonly #sink: FileSink;
  readonly #minLength: number;
  #lines: string[] = [];
  #length = 0;

  constructor(sink: FileSink, minLength: number) {
    this.#sink = sink;
    this.#minLength = minLength;
    flushAtExit(this);
  }

  write(line: string): boolean {
    this.#lines.push(line);
    this.#length += line.length;
    if (this.#length >= this.#minLength) this.#handOver();
    return true;
  }

  flush(cb?: (error?: Error) => void): void {
    this.#handOver();
    this.#sink.flush(cb);
  }

  flushSync(): void {
    this.#handOver();
    this.#sink.flushSync();
  }

  end(): void {
    this.#handOver();
    this.#sink.end();
  }

  #handOver(): void {
    if (this.#lines.length === 0) return;
    const chunk = this.#lines.length === 1 ? (this.#lines[0] as string) : this.#lines.join('');
    this.#lines = [];
    this.#length = 0;
    this.#sink.write(chunk);
  }
}

/*
 * pino registers its own file sinks for a synchronous flush at exit; lines still collected here must
 * reach the sink first. One 'exit' listener for all batches, holding them weakly so that a server
 * dropped without closing is not kept alive by its log.
 */
const batches = new Set<WeakRef<LineBatch>>();
let listening = false;

function flushAtExit(batch: LineBatch): void {
  if (batches.size >= 64) {
    for (const ref of batches) if (ref.deref() === undefined) batches.delete(ref);
  }
  batches.add(new WeakRef(batch));
  if (listening) return;
  listening = true;
  process.once('exit', () => {
    for (const ref of batches) {
      try {
        ref.deref()?.flushSync();
      } catch {
        // A sink not open yet or already ended: nothing more can be written at exit.
      }
    }
  });
}
