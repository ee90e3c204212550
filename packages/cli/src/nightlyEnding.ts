import { constants } from 'node:os';
import type { NightlyResult } from '@tollgate/orchestrator';

/**
 * Exit statuses of `tollgate run nightly` and `tollgate demo`. A stopped run exits 128 + the
 * signal's number, as a shell reports a process the signal ended: 130 for SIGINT, 143 for SIGTERM.
 */
export const EXIT = {
  /** Every listed account finished, and the report was written. */
  completed: 0,
  /** The run could not start: a setting, a refused credential, a ledger that cannot be opened. */
  failed: 1,
  /** Accounts are pending (a quota, a server that could not start): run again with the same key. */
  incomplete: 3,
  /** The work is saved in the ledger but the report could not be written: run again with the same key. */
  reportNotWritten: 4,
} as const;

/** 128 + the signal's number. */
export function signalExit(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** The exit status for how a run ended (see `EXIT`); `signal` is the one that stopped it, if any. */
export function exitStatus(result: NightlyResult, signal: NodeJS.Signals | undefined): number {
  const { status } = result.report.summary;
  if (status === 'interrupted') return signalExit(signal ?? 'SIGINT');
  if (result.reportError !== undefined) return EXIT.reportNotWritten;
  return status === 'completed' ? EXIT.completed : EXIT.incomplete;
}

/**
 * SIGINT and SIGTERM for a running job. The first stops it gently: no new account, the accounts in
 * flight finish, the accounts not reached are counted, the report is written. The second exits at
 * once; the ledger holds every account-step recorded so far, so the run resumes from there (the
 * embedded ledger's lock is the kernel's, released with the process).
 */
export class StopSignals {
  readonly #controller = new AbortController();
  readonly #resumeHint: () => string;
  #received: NodeJS.Signals | undefined;
  readonly #onSignal = (signal: NodeJS.Signals) => {
    if (this.#received === undefined) {
      this.#received = signal;
      process.stderr.write(
        `\n${signal}: stopping. The accounts in flight finish and the rest of the listing is counted as pending` +
          ` (a few seconds). ${signal === 'SIGINT' ? 'Press Ctrl-C' : 'Send it'} again to exit at once.\n`,
      );
      this.#controller.abort();
      return;
    }
    process.stderr.write(
      `\n${signal} again: exiting now. Every account finished so far is saved in the run ledger; resume with: ${this.#resumeHint()}\n`,
    );
    process.exit(signalExit(this.#received));
  };

  constructor(resumeHint: () => string) {
    this.#resumeHint = resumeHint;
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The signal that stopped the run, if one did. */
  get received(): NodeJS.Signals | undefined {
    return this.#received;
  }

  dispose(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}
