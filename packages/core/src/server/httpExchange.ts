import type { IncomingMessage, ServerResponse } from 'node:http';

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** Answers with a JSON body. */
export function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...JSON_HEADERS, ...headers }).end(JSON.stringify(body));
}

/** The body as text, or undefined once it passes the cap (a chunked body declares no length). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/**
 * Ends the connection once the answer is written, without reading what is left of the request: a
 * refused client cannot keep the socket by sending its body slowly.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  const close = () => {
    req.socket.end();
    // A client still sending gets a second to read the answer, then the socket is gone.
    setTimeout(() => req.socket.destroy(), 1_000).unref();
  };
  if (res.writableFinished) {
    close();
    return;
  }
  if (!res.headersSent) res.setHeader('connection', 'close');
  res.once('finish', close);
}

/** 413 for a body over the cap; what was sent of it is drained, not parsed. */
export function tooLarge(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): void {
  res.writeHead(413, { ...JSON_HEADERS, connection: 'close' });
  res.end(JSON.stringify({ error: `request body exceeds ${maxBodyBytes} bytes` }));
  req.resume();
}
