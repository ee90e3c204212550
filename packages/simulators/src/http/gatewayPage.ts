import type { SimResponse } from './exchange.ts';

const TITLES: Record<number, string> = {
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out',
};

/**
 * The HTML page an edge proxy sends when the vendor behind it is down or slow. Real outages do not
 * answer in the vendor's JSON envelope, so an adapter that parses every error body as JSON breaks here.
 */
export function gatewayPage(status: 502 | 503 | 504, retryAfterSeconds?: number): SimResponse {
  const title = TITLES[status] ?? `${status}`;
  const headers: Record<string, string> = { 'content-type': 'text/html' };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  return {
    status,
    headers,
    text: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`,
  };
}

/** 502, 503 or 504 for a uniform `variant` in [0, 1). */
export function serverErrorStatus(variant: number): 502 | 503 | 504 {
  return variant < 1 / 3 ? 502 : variant < 2 / 3 ? 503 : 504;
}
