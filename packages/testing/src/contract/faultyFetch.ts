/** A failure the kit injects between a server and its upstream. */
export type FaultKind = 'rate_limited' | 'unavailable' | 'hang' | 'changed_shape' | 'lost_response';

/** One request a server sent upstream, as the injected `fetch` saw it. */
export interface UpstreamRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** What the injected `fetch` does with the next requests; `undefined` passes them through. */
export type ActiveFault =
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'unavailable' }
  | { kind: 'hang' }
  | { kind: 'changed_shape' }
  /** Loses the answer to the first request `lose` picks, after the upstream has applied it. */
  | { kind: 'lost_response'; lose: (request: UpstreamRequest) => boolean }
  | { kind: 'echo' };

export interface FaultyFetch {
  /** Give this to the server's vendor client. */
  readonly fetch: typeof fetch;
  /** Every request so far, oldest first. */
  readonly requests: readonly UpstreamRequest[];
  /** Requests whose answer a `changed_shape` fault rewrote, or a `lost_response` fault dropped. */
  readonly faulted: readonly UpstreamRequest[];
  set(fault: ActiveFault | undefined): void;
}

// Never longer than a test: a vendor client that ignores its signal still gets an answer eventually.
const HANG_LIMIT_MS = 60_000;

/**
 * A `fetch` that passes requests to `base` (the real vendor or a simulator) unless a fault is set:
 * a 429 with Retry-After, a 503 gateway page, no answer until the request's signal aborts, a JSON
 * answer wrapped in a new envelope (`{ data: … }`, so every field the client expects is missing),
 * an answer lost after the upstream applied the request, or a refusal quoting the request back
 * (headers included, so a credential in them comes back in the body).
 */
export function faultyFetch(base: typeof fetch = globalThis.fetch): FaultyFetch {
  let fault: ActiveFault | undefined;
  let lostOne = false;
  const requests: UpstreamRequest[] = [];
  const faulted: UpstreamRequest[] = [];

  const send = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const seen: UpstreamRequest = {
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: request.body === null ? undefined : await request.clone().text(),
    };
    requests.push(seen);
    const active = fault;
    switch (active?.kind) {
      case undefined:
        return base(request);
      case 'rate_limited':
        return new Response(JSON.stringify({ message: 'Too many requests.' }), {
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after': String(active.retryAfterSeconds) },
        });
      case 'unavailable':
        return new Response('<html><body>503 Service Unavailable</body></html>', {
          status: 503,
          headers: { 'content-type': 'text/html' },
        });
      case 'hang':
        return hang(request.signal);
      case 'changed_shape': {
        const answer = await base(request);
        const text = await answer.text();
        const json = answer.ok ? parseJson(text) : undefined;
        if (json === undefined) return new Response(text, copy(answer));
        faulted.push(seen);
        return new Response(JSON.stringify({ data: json }), copy(answer));
      }
      case 'lost_response': {
        const lose = !lostOne && active.lose(seen);
        const answer = await base(request);
        if (!lose) return answer;
        await answer.arrayBuffer();
        lostOne = true;
        faulted.push(seen);
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
        });
      }
      case 'echo': {
        const quoted = `refused ${seen.method} ${seen.url} ${JSON.stringify(seen.headers)} ${seen.body ?? ''}`;
        // Both common envelopes, so a client that forwards the vendor's message forwards this one.
        const body = {
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: quoted,
          correlationId: 'contract-echo',
          error: { type: 'invalid_request_error', message: quoted },
        };
        return new Response(JSON.stringify(body), {
          status: 400,
          headers: { 'content-type': 'application/json' },
        });
      }
    }
  };

  return {
    fetch: send as typeof fetch,
    requests,
    faulted,
    set: (next) => {
      fault = next;
      lostOne = false;
    },
  };
}

function hang(signal: AbortSignal): Promise<Response> {
  return new Promise((_resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The contract kit stopped hanging.')), HANG_LIMIT_MS);
    timer.unref();
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The answer's status and headers, minus those that described the body as it was on the wire. */
function copy(answer: Response): ResponseInit {
  const headers = new Headers(answer.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return { status: answer.status, statusText: answer.statusText, headers };
}
