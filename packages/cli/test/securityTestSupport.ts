/**
 * What the suites of real `tollgate` processes need besides their tables (security.test.ts,
 * nightlyHttp.test.ts): an identity provider's signing keys that also forge tokens, `tollgate serve
 * <server> --http` and one-shot commands (`run nightly`, `demo`) as child processes with their output
 * kept whole, a wire that remembers every answer the servers gave, a relay that remembers every token
 * an issuer hands out, and an OTLP receiver that keeps every span export, so the suites can check
 * all of it for secrets.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JSONWebKeySet,
  type JWTPayload,
  SignJWT,
} from 'jose';

export const ISSUER = 'https://issuer.test';
export const PROTOCOL_VERSION = '2025-06-18';

const KID = 'tollgate-security-1';
const bin = fileURLToPath(new URL('../bin/tollgate.js', import.meta.url));
const now = () => Math.floor(Date.now() / 1000);

export interface Claims extends JWTPayload {
  aud: string;
  scope: string;
}

/**
 * The issuer's ES256 key, plus a second key under the same `kid` that only an attacker would hold.
 * Every token it makes is remembered in `issued`: tokens are secrets too.
 */
export class TokenMint {
  readonly issued = new Set<string>();
  readonly #key: CryptoKey;
  readonly #forger: CryptoKey;
  readonly #jwks: JSONWebKeySet;
  readonly #publicPem: string;

  private constructor(key: CryptoKey, forger: CryptoKey, jwks: JSONWebKeySet, publicPem: string) {
    this.#key = key;
    this.#forger = forger;
    this.#jwks = jwks;
    this.#publicPem = publicPem;
  }

  static async create(): Promise<TokenMint> {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const forger = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
    return new TokenMint(
      pair.privateKey,
      forger.privateKey,
      { keys: [jwk] },
      await exportSPKI(pair.publicKey),
    );
  }

  /** The public JWKS the servers trust. */
  get jwks(): JSONWebKeySet {
    return this.#jwks;
  }

  /** A valid token for `aud` with `scope`, unless `claims` override issuer, times or anything else. */
  sign(claims: Claims): Promise<string> {
    return this.#signWith(this.#key, 'ES256', claims);
  }

  /** Right header, right claims, signed by a key the issuer never published. */
  forge(claims: Claims): Promise<string> {
    return this.#signWith(this.#forger, 'ES256', claims);
  }

  /** `alg: none` with an empty signature. */
  unsigned(claims: Claims): string {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return this.#remember(
      `${part({ alg: 'none', kid: KID, typ: 'at+jwt' })}.${part(this.#payload(claims))}.`,
    );
  }

  /** HS256 keyed with the public key's PEM: accepted only by a verifier that lets the token pick the algorithm. */
  confused(claims: Claims): Promise<string> {
    return this.#signWith(new TextEncoder().encode(this.#publicPem), 'HS256', claims);
  }

  #payload(claims: Claims): JWTPayload {
    return {
      iss: ISSUER,
      client_id: 'security-suite',
      sub: 'security-suite',
      iat: now(),
      exp: now() + 300,
      ...claims,
    };
  }

  async #signWith(key: CryptoKey | Uint8Array, alg: string, claims: Claims): Promise<string> {
    const token = await new SignJWT(this.#payload(claims))
      .setProtectedHeader({ alg, kid: KID, typ: 'at+jwt' })
      .sign(key);
    return this.#remember(token);
  }

  #remember(token: string): string {
    this.issued.add(token);
    return token;
  }
}

/** Seconds from now, for `exp` and `nbf`. */
export const inSeconds = (seconds: number): number => now() + seconds;

type Child = ChildProcessByStdio<null, Readable, Readable>;

/** A `tollgate` child started with exactly `env`, its output read whole. */
interface Spawned {
  child: Child;
  /** stdout and stderr interleaved as they arrived. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Settles once it exited and its pipes were read to the end. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Spawns `tollgate <args>`. With `group`, it leads its own process group, and `kill` reaches every
 * process it started too. Should this process exit without stopping it, it is killed.
 */
function spawnTollgate(args: readonly string[], env: Record<string, string>, group = false): Spawned {
  const child: Child = spawn(process.execPath, [bin, ...args], {
    env,
    detached: group,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  let stderr = '';
  // Drained for the whole run: a full pipe would stall the child, and every byte is checked at the end.
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const kill = (signal: NodeJS.Signals) => {
    // A group outlives its leader while anything it started still runs.
    if (!group && (child.exitCode !== null || child.signalCode !== null)) return;
    try {
      if (group && child.pid !== undefined) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // Gone already.
    }
  };
  // A child with no stdin to lose would outlive this process: take it along.
  const orphanGuard = () => kill('SIGKILL');
  process.once('exit', orphanGuard);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      process.off('exit', orphanGuard);
      resolve({ code, signal });
    }),
  );
  return { child, output: () => output, stdout: () => stdout, stderr: () => stderr, closed, kill };
}

/** One `tollgate serve <server> --http --port 0` child. */
export interface ServerProcess {
  readonly label: string;
  /** The MCP endpoint the server printed: the audience its tokens must carry. */
  readonly url: string;
  /** Everything it wrote to stdout and stderr, whole. */
  output(): string;
  /** SIGTERM, so it flushes its logs, spans and store; SIGKILL if it has not exited 10 s later. */
  stop(): Promise<void>;
}

/** Starts a server with exactly `env` (no variable of this process leaks in) and waits for its endpoint. */
export function startServerProcess(
  server: string,
  label: string,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const { child, output, closed, kill } = spawnTollgate(['serve', server, '--http', '--port', '0'], env);
  const stop = async () => {
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 10_000);
    await closed;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      done();
      void stop();
      reject(new Error(`tollgate serve ${server} (${label}) ${why}:\n${output()}`));
    };
    const onData = () => {
      const url = /listening on (http:\/\/\S+) \(Streamable HTTP\)/.exec(output())?.[1];
      if (url === undefined) return;
      done();
      resolve({ label, url, output, stop });
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(`exited (${code ?? signal}) before listening`);
    const onError = (error: Error) => fail(`could not start: ${error.message}`);
    const timer = setTimeout(() => fail('printed no endpoint within 100 s'), 100_000);
    const done = () => {
      clearTimeout(timer);
      child.stderr.off('data', onData);
      child.off('close', onExit);
      child.off('error', onError);
    };
    child.stderr.on('data', onData);
    // 'close', not 'exit': the failure message then holds everything it wrote.
    child.once('close', onExit);
    child.once('error', onError);
  });
}

/** One run of a `tollgate` command that ends by itself (`run nightly`, `demo`). */
export interface CommandProcess {
  readonly label: string;
  /** Settles when it and every process it started ended and their output was read whole. */
  readonly finished: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** SIGKILL to it and every process it started (afterAll, when a test gave up on it). */
  kill(): void;
}

/** Starts `tollgate <args>` with exactly `env`, in its own process group. */
export function startCommandProcess(
  label: string,
  args: readonly string[],
  env: Record<string, string>,
): CommandProcess {
  const spawned = spawnTollgate(args, env, true);
  const failedToStart = new Promise<never>((_, reject) =>
    spawned.child.once('error', (error) =>
      reject(new Error(`tollgate ${label} could not start: ${error.message}`)),
    ),
  );
  return {
    label,
    finished: Promise.race([spawned.closed, failedToStart]),
    stdout: spawned.stdout,
    stderr: spawned.stderr,
    kill: () => spawned.kill('SIGKILL'),
  };
}

/** One HTTP answer, read whole. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

export interface PostOptions {
  token?: string;
  origin?: string;
  /** Sent as the Host header instead of the URL's (fetch cannot override Host, so node:http sends it). */
  host?: string;
}

/** The JSON-RPC `result` or `error` of an MCP answer, sent as JSON or as one SSE event. */
export interface RpcAnswer {
  result?: {
    tools?: { name: string }[];
    isError?: boolean;
    structuredContent?: { error?: { code: string; message: string } } & Record<string, unknown>;
  };
  error?: { code: number; message: string };
}

/** Raw HTTP to the servers; every answer is kept for the final secrets check. */
export class Wire {
  readonly answers: Answer[] = [];
  inFlight = 0;
  #id = 0;

  /** POST one JSON-RPC request to an MCP endpoint. */
  rpc(url: string, method: string, params: unknown, options: PostOptions = {}): Promise<Answer> {
    const body = JSON.stringify({ jsonrpc: '2.0', id: ++this.#id, method, params });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': PROTOCOL_VERSION,
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.origin === undefined ? {} : { origin: options.origin }),
    };
    return this.#track(
      options.host === undefined
        ? fetch(url, { method: 'POST', headers, body }).then(read)
        : postWithHost(new URL(url), options.host, headers, body),
    );
  }

  get(url: string): Promise<Answer> {
    return this.#track(fetch(url).then(read));
  }

  /** Every status line, header and body the servers sent, as one text. */
  transcript(): string {
    return this.answers
      .map(
        (answer) =>
          `${answer.status}\n${[...answer.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${answer.text}`,
      )
      .join('\n\n');
  }

  async #track(pending: Promise<Answer>): Promise<Answer> {
    this.inFlight++;
    try {
      const answer = await pending;
      this.answers.push(answer);
      return answer;
    } finally {
      this.inFlight--;
    }
  }
}

async function read(response: Response): Promise<Answer> {
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function postWithHost(
  url: URL,
  host: string,
  headers: Record<string, string>,
  body: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const each of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
            answerHeaders.append(name, each);
          }
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: answerHeaders,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The JSON-RPC message of an answer, whether the server chose JSON or an SSE stream. */
export function rpcAnswer(answer: Answer): RpcAnswer {
  const type = answer.headers.get('content-type') ?? '';
  if (!type.includes('text/event-stream')) return JSON.parse(answer.text) as RpcAnswer;
  const data = answer.text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice('data:'.length).trim())
    .filter((line) => line !== '');
  const last = data.at(-1);
  if (last === undefined) throw new Error(`no SSE data in: ${answer.text}`);
  return JSON.parse(last) as RpcAnswer;
}

/** The parameters of a `WWW-Authenticate: Bearer k="v", …` challenge; `scheme` holds the scheme. */
export function challenge(header: string | null): Record<string, string> {
  if (header === null) return {};
  const params: Record<string, string> = { scheme: header.split(' ', 1)[0] ?? '' };
  for (const match of header.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) {
    params[match[1] as string] = (match[2] as string).replace(/\\(.)/g, '$1');
  }
  return params;
}

/** One span as an OTLP/HTTP JSON export carries it, flattened with its service name. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, AttributeValue>;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

/** A stand-in OTLP collector: keeps every body POSTed to /v1/traces as received. */
export interface OtlpReceiver {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  readonly url: string;
  /** Every export: its content type and body, as received. */
  readonly exports: { contentType: string; body: string }[];
  /** The spans of every JSON export so far. */
  spans(): ReceivedSpan[];
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
type Scalar = string | number | boolean;
/** A span attribute as received: a scalar, or a list of them (an OTLP array value). */
export type AttributeValue = Scalar | Scalar[];
export interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: OtlpAttribute[];
      }[];
    }[];
  }[];
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const exports: { contentType: string; body: string }[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') return void res.writeHead(404).end();
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      exports.push({ contentType: req.headers['content-type'] ?? '', body: body.toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    spans: () =>
      exports
        .filter((each) => each.contentType.startsWith('application/json'))
        .flatMap((each) => spansOf(JSON.parse(each.body) as OtlpExport)),
    close: () => closeServer(server),
  };
}

export function spansOf(payload: OtlpExport): ReceivedSpan[] {
  return (payload.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = attributesOf(resourceSpans.resource?.attributes)['service.name'];
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        service: String(service),
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: attributesOf(span.attributes),
      })),
    );
  });
}

function scalarOf(value: OtlpValue): Scalar | undefined {
  // int64 values travel as strings or numbers in OTLP JSON.
  const int = value.intValue === undefined ? undefined : Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue ?? int;
}

function attributesOf(list: OtlpAttribute[] = []): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const { key, value } of list) {
    if (value.arrayValue !== undefined) {
      attributes[key] = (value.arrayValue.values ?? []).flatMap((item) => {
        const scalar = scalarOf(item);
        return scalar === undefined ? [] : [scalar];
      });
      continue;
    }
    const scalar = scalarOf(value);
    if (scalar !== undefined) attributes[key] = scalar;
  }
  return attributes;
}

/**
 * A relay in front of an OAuth token endpoint that remembers every access token it passes on, so a
 * test knows the tokens it must never find in an output. Requests and answers pass unchanged.
 */
export interface TokenTap {
  /** Use as the token endpoint. */
  readonly url: string;
  readonly tokens: string[];
  close(): Promise<void>;
}

export async function startTokenTap(tokenEndpoint: string): Promise<TokenTap> {
  const tokens: string[] = [];
  const relayed = ['content-type', 'accept', 'authorization'];
  const answered = ['content-type', 'cache-control', 'pragma', 'www-authenticate'];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const headers = Object.fromEntries(
          relayed.flatMap((name) => {
            const value = req.headers[name];
            return typeof value === 'string' ? [[name, value]] : [];
          }),
        );
        const response = await fetch(tokenEndpoint, {
          method: req.method ?? 'POST',
          headers,
          ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
        });
        const text = await response.text();
        const token = accessTokenIn(text);
        if (token !== undefined) tokens.push(token);
        const back = Object.fromEntries(
          answered.flatMap((name) => {
            const value = response.headers.get(name);
            return value === null ? [] : [[name, value]];
          }),
        );
        res.writeHead(response.status, back).end(text);
      } catch {
        res.writeHead(502).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/token`, tokens, close: () => closeServer(server) };
}

function accessTokenIn(text: string): string | undefined {
  try {
    const token = (JSON.parse(text) as { access_token?: unknown }).access_token;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}

function closeServer(server: HttpServer): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}
