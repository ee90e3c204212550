/** Live progress of a run: a redrawn bar on a terminal, a plain line every few seconds otherwise. */
export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #started = Date.now();
  #lastLine = 0;
  done = 0;
  total: number | undefined;
  skipped = 0;
  degraded = 0;
  pending = 0;

  constructor(stream: NodeJS.WriteStream = process.stderr, tty = Boolean(stream.isTTY)) {
    this.#stream = stream;
    this.#tty = tty;
  }

  tick(): void {
    const now = Date.now();
    if (this.#tty) {
      if (now - this.#lastLine < 100) return;
      this.#lastLine = now;
      this.#stream.write(`\r\x1b[2K${this.#line(now)}`);
    } else if (now - this.#lastLine >= 5_000) {
      this.#lastLine = now;
      this.#stream.write(`${this.#line(now)}\n`);
    }
  }

  finish(): void {
    const line = this.#line(Date.now());
    this.#stream.write(this.#tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  #line(now: number): string {
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const of = this.total === undefined ? '' : `/${this.total}`;
    let bar = '';
    if (this.total !== undefined && this.total > 0) {
      const filled = Math.round((this.done / this.total) * 30);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] `;
    }
    const extra = [
      this.degraded ? `${this.degraded} degraded` : '',
      this.pending ? `${this.pending} pending` : '',
      this.skipped ? `${this.skipped} skipped` : '',
    ]
      .filter(Boolean)
      .join(', ');
    const noun = this.total === undefined && this.done === 1 ? 'account' : 'accounts';
    return `${bar}${this.done}${of} ${noun}, ${rate.toFixed(1)}/s, ${seconds.toFixed(0)} s${extra ? ` (${extra})` : ''}`;
  }
}
