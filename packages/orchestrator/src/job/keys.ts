/**
 * Idempotency keys of the nightly job's creates: a function of (run key, account, step) only, so a
 * re-run, a resumed run or an overlapping run with the same run key asks for the same draft or task
 * and the server hands back the first one.
 */
export function idempotencyKey(runKey: string, domain: string, step: 'draft' | 'research'): string {
  return `${runKey}:${domain}:${step}`;
}
