import { HEARTBEAT_MS, type RunLedger } from './RunLedger.ts';

/**
 * Beats a run's heart in the ledger while this process works on it, so that another process finding
 * the run unfinished can tell it is live, not abandoned. A failed beat is not an error: the next one
 * tries again, and a run wrongly thought dead is only resumed alongside this one — overlapping runs
 * of one key write nothing twice.
 */
export class Heartbeat {
  readonly #timer: NodeJS.Timeout;
  #beating: Promise<void> = Promise.resolve();

  constructor(ledger: RunLedger, runKey: string, holder: string, intervalMs = HEARTBEAT_MS) {
    this.#timer = setInterval(() => {
      this.#beating = ledger.heartbeat(runKey, holder).catch(() => undefined);
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops beating; resolves once a beat in flight has landed, so it cannot overwrite the run's end. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#beating;
  }
}
