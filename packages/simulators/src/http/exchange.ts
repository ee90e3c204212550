import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** One parsed request, as a vendor handler sees it. */
export interface SimRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when the request had none. */
  readonly body: unknown;
}

/** One answer, before it is written; the pipeline may reshape it or never send it. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent verbatim instead of `body` (an HTML gateway page); set `content-type` in `headers`. */
  text?: string;
}

export type BodyResult = { ok: true; body: unknown } | { ok: false; reason: string };

/** Reads and parses a JSON body of at most `maxBytes`; an empty body parses as undefined. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return { ok: false, reason: `request body exceeds ${maxBytes} bytes` };
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, body: undefined };
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'request body is not valid JSON' };
  }
}

/** Writes a response: JSON unless `text` is set. */
export function writeResponse(
  res: ServerResponse,
  response: SimResponse,
  extraHeaders: Record<string, string>,
): void {
  const headers: Record<string, string> = { ...extraHeaders };
  let payload = '';
  if (response.text !== undefined) {
    payload = response.text;
  } else if (response.body !== undefined) {
    headers['content-type'] = 'application/json;charset=utf-8';
    payload = JSON.stringify(response.body);
  }
  Object.assign(headers, response.headers);
  res.writeHead(response.status, headers).end(payload);
}
