/**
 * The error vocabulary of the gate. Every tool failure carries one of these codes; the table
 * decides whether a caller may retry it and what the default hint says.
 */
export const ERROR_CODES = {
  rate_limited: {
    retryable: true,
    hint: 'The upstream rate limit was reached. Wait retry_after_ms when given (else back off) and call again.',
  },
  upstream_unavailable: {
    retryable: true,
    hint: 'The upstream service failed or is unreachable. Retry with exponential backoff.',
  },
  timeout: {
    retryable: true,
    hint: 'The call did not finish before its deadline. Retry with backoff; writes are idempotent.',
  },
  locked: {
    retryable: true,
    hint: 'The record is locked by another writer. Retry shortly.',
  },
  idempotency_in_progress: {
    retryable: true,
    hint: 'A call with this idempotency_key is still running. Retry shortly to receive its result.',
  },
  invalid_input: {
    retryable: false,
    hint: 'Fix the arguments the message names (also listed in details.issues) and call again.',
  },
  not_found: {
    retryable: false,
    hint: 'The record does not exist. Check the identifier; do not retry unchanged.',
  },
  forbidden: {
    retryable: false,
    hint: 'The caller lacks the scopes this tool needs. Ask an operator to grant them.',
  },
  conflict: {
    retryable: false,
    hint: 'The write conflicts with existing data. Read the current record and decide again.',
  },
  quota_exhausted: {
    retryable: false,
    hint: 'The upstream quota is used up until it resets. Stop calling this upstream for now.',
  },
  idempotency_key_reused: {
    retryable: false,
    hint: 'This idempotency_key was already used with different arguments. Use a new key for a new request.',
  },
  upstream_contract_violation: {
    retryable: false,
    hint: 'The upstream answered in a shape this tool does not accept. Report it; retrying will not help.',
  },
  internal: {
    retryable: false,
    hint: 'The tool failed unexpectedly. Report the call_id in details to the operator.',
  },
} as const satisfies Record<string, { retryable: boolean; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
