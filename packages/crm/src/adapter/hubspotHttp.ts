import { UpstreamContractViolationError } from '@tollgate/core';
import type * as z from 'zod';
import { errorFromResponse, errorFromTransport } from './hubspotErrors.ts';

/** How the adapter reaches HubSpot. */
export interface HubSpotHttpOptions {
  /** API base URL, such as https://api.hubapi.com or a simulator's URL. */
  url: string | URL;
  /** The server's own private-app token. */
  token: string;
  /** Per-request deadline in milliseconds. */
  timeoutMs: number;
  /** How requests are sent; default the global `fetch` (a test passes one that injects faults). */
  fetch?: typeof fetch | undefined;
}

/** One request: a path under the base URL, an optional query and JSON body, and the answer's schema. */
export interface HubSpotRequest<T> {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  schema: z.ZodType<T>;
  /** Success statuses; anything else becomes a ToolError. Default 200. */
  ok?: readonly number[];
}

/**
 * A minimal HubSpot CRM v3 client: bearer auth with the server's token, a deadline per request, JSON
 * answers checked against a schema, and every failure turned into a classified ToolError. It never
 * retries: the caller (or the orchestrator) decides, from the error's `retryable` and `retry_after_ms`.
 */
export class HubSpotHttp {
  readonly #base: URL;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: HubSpotHttpOptions) {
    const base = new URL(options.url);
    // A trailing slash keeps a base path (a proxy prefix) when request paths are resolved against it.
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.#base = base;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** Sends the request and returns the parsed answer. */
  async send<T>(request: HubSpotRequest<T>): Promise<T> {
    const found = await this.#exchange(request, false);
    return found as T;
  }

  /** As `send`, but a 404 answers undefined: for reads by key, where absence is not an error. */
  find<T>(request: HubSpotRequest<T>): Promise<T | undefined> {
    return this.#exchange(request, true);
  }

  async #exchange<T>(request: HubSpotRequest<T>, missingOk: boolean): Promise<T | undefined> {
    const url = new URL(request.path.replace(/^\//, ''), this.#base);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    const what = `${request.method} ${url.pathname}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: 'application/json',
    };
    let status: number;
    let answerHeaders: Headers;
    let text: string;
    try {
      const response = await this.#fetch(url, {
        method: request.method,
        headers: request.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      status = response.status;
      answerHeaders = response.headers;
      text = await response.text();
    } catch (error) {
      throw errorFromTransport(error, what, this.#timeoutMs);
    }
    if (missingOk && status === 404) return undefined;
    if (!(request.ok ?? [200]).includes(status)) throw errorFromResponse(status, answerHeaders, text, what);
    return parseAnswer(request.schema, text, what);
  }
}

function parseAnswer<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UpstreamContractViolationError(`HubSpot answered ${what} with a body that is not JSON.`);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  throw new UpstreamContractViolationError(
    `HubSpot answered ${what} in an unexpected shape (${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}).`,
    { details: { issues } },
  );
}
