import type { SimResponse } from '../http/exchange.ts';

/** PDL's `error.type` values, per its errors page. `api_error` for a 5xx is our best reading. */
export type PdlErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'payment_required'
  | 'not_found'
  | 'rate_limit_error'
  | 'api_error';

/** A PDL error body: `{ status, error: { type, message } }`, the status repeated inside. */
export function pdlError(
  status: number,
  type: PdlErrorType,
  message: string,
  headers?: Record<string, string>,
): SimResponse {
  return { status, body: { status, error: { type, message } }, ...(headers ? { headers } : {}) };
}
