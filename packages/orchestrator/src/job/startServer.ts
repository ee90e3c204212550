import { handleWhen, retry } from 'cockatiel';
import { authFailure } from '../auth/authFailure.ts';
import { FullJitterBackoff } from '../policies/FullJitterBackoff.ts';
import type { RetryBudget } from '../policies/RetryBudget.ts';
import type { ServerConnection, ServerSpec } from '../servers/ServerConnection.ts';
import type { GuardConfig } from './nightlyConfig.ts';

/** How starting one server went. */
export type ServerStart =
  | { ok: true; attempts: number; firstFailure: string | undefined }
  | {
      ok: false;
      /** A setting or credential is wrong: retrying cannot help, the run should stop and say which. */
      terminal: boolean;
      attempts: number;
      message: string;
    };

/** `tollgate serve` reports a failure it understands as one `tollgate: <reason>` line before it exits. */
const EXPLAINED = /^tollgate: (.+)$/;
const STDERR_SETTLE_MS = 100;
/** core's DataDirInUseError: another process holds the store; it may let go at any moment. */
const STORE_IN_USE = /is in use by (process \d+|another process)/;

class StartFailure extends Error {
  constructor(
    message: string,
    readonly terminal: boolean,
  ) {
    super(message);
  }
}

/**
 * Starts (or first reaches) one server under the same retry policy its calls get later in the run —
 * its attempts, its full-jitter backoff, the run's retry budget — so a child that dies during
 * start-up is treated like one that dies mid-run.
 *
 * What is never retried: a credential the server refused (401/403). And a stdio child that explains
 * every attempt with the same `tollgate:` reason is a settings problem, reported as terminal once
 * the attempts are spent (a few seconds at most); only a store held by another process, which may
 * be released, stays transient.
 */
export async function startServer(
  connection: ServerConnection,
  spec: ServerSpec,
  guard: Pick<GuardConfig, 'maxAttempts' | 'backoffBaseMs' | 'backoffCapMs'>,
  budget: RetryBudget,
  options: { signal?: AbortSignal | undefined; random?: (() => number) | undefined } = {},
): Promise<ServerStart> {
  const reasons: (string | undefined)[] = [];
  const messages: string[] = [];
  const policy = retry(
    handleWhen((error) => !(error instanceof StartFailure && error.terminal) && budget.remaining > 0),
    {
      maxAttempts: guard.maxAttempts - 1,
      backoff: new FullJitterBackoff(guard.backoffBaseMs, guard.backoffCapMs, options.random),
    },
  );
  policy.onRetry(() => budget.spend());
  budget.recordCall();
  const attempt = async () => {
    // cockatiel starts the next attempt after its backoff even when stopped meanwhile.
    if (options.signal?.aborted) throw new StartFailure('stopped', true);
    try {
      await connection.connect();
    } catch (error) {
      const auth = authFailure(error, connection.name, spec.kind === 'http' ? spec.auth : undefined);
      if (auth !== undefined && !auth.retryable) throw new StartFailure(auth.message, true);
      // The child's last words reach us through a pipe, after the transport has already said it closed.
      await new Promise((resolve) => setTimeout(resolve, STDERR_SETTLE_MS));
      // The tail spans every start so far; a start that died silently shows the one before's last words.
      const said = lastLine(connection.stderrTail);
      reasons.push(said?.match(EXPLAINED)?.[1]);
      const message = `${(error as Error).message}${said ? `: ${said}` : ''}`;
      messages.push(message);
      throw new StartFailure(message, false);
    }
  };
  const stopped = new Promise<'stopped'>((resolve) => {
    if (options.signal?.aborted) resolve('stopped');
    options.signal?.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
  try {
    // A backoff wait is not cut short by cockatiel: race it, so a stop request is not kept waiting.
    const done = await Promise.race([policy.execute(attempt, options.signal), stopped]);
    if (done === 'stopped')
      return { ok: false, terminal: false, attempts: messages.length, message: 'stopped' };
    return { ok: true, attempts: messages.length + 1, firstFailure: messages[0] };
  } catch (error) {
    const terminal =
      (error instanceof StartFailure && error.terminal) ||
      (reasons.length > 0 &&
        reasons.every((reason) => reason !== undefined && reason === reasons[0]) &&
        !STORE_IN_USE.test(reasons[0] ?? ''));
    const reason = terminal && reasons[0] !== undefined ? reasons[0] : (error as Error).message;
    return { ok: false, terminal, attempts: Math.max(1, messages.length), message: reason };
  }
}

function lastLine(text: string): string | undefined {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.at(-1);
}
