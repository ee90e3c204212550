import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessPolicy, DeniedCall } from './accessPolicy.ts';
import { closeAfterAnswer, reply } from './httpExchange.ts';

/**
 * An answer the HTTP layer gives before the gate, with what its record needs: the request's
 * credentials (401, or 503 while the issuer's keys cannot be had), or the tools/call messages its
 * token's scopes do not cover (403).
 */
export type Refusal = {
  body: Record<string, string>;
  headers: Record<string, string>;
} & (
  | { status: 401 | 503 /** Why, for the record; never the token. */; reason: string }
  | { status: 403; denied: readonly DeniedCall[] }
);

/**
 * The one way a request is refused before the gate: the refusal is recorded first (a 403'd call
 * leaves the same call record a refusal inside the gate would; a credentials refusal a log line),
 * then answered. A record that cannot be written does not change the answer. A request refused for
 * its credentials also loses its connection, since its body is never read.
 */
export async function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  refusal: Refusal,
  access: AccessPolicy | undefined,
): Promise<void> {
  if (refusal.status === 403) {
    await Promise.all(refusal.denied.map((call) => access?.recordDenied(call).catch(() => undefined)));
  } else {
    try {
      access?.recordRefused?.({
        status: refusal.status,
        reason: refusal.reason,
        method: req.method ?? '',
        remoteAddress: req.socket.remoteAddress,
      });
    } catch {
      // As above: the answer stands.
    }
  }
  reply(res, refusal.status, refusal.body, refusal.headers);
  // The connection closes once the answer is out, rather than holding a socket while an
  // unauthenticated client trickles in up to maxBodyBytes.
  if (refusal.status !== 403) closeAfterAnswer(req, res);
}
