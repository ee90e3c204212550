/**
 * What security.test.ts needs besides its tables: an identity provider's signing keys that also
 * forge tokens, `tollgate serve <server> --http` as a child process with its output kept whole, and
 * a wire that remembers every answer the servers gave, so the suite can check them all for secrets.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { request } from 'node:http';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
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
    return this.#remember(`${part({ alg: 'none', kid: KID, typ: 'JWT' })}.${part(this.#payload(claims))}.`);
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
      .setProtectedHeader({ alg, kid: KID, typ: 'JWT' })
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

/** One `tollgate serve <server> --http --port 0` child. */
export interface ServerProcess {
  readonly label: string;
  /** The MCP endpoint the server printed: the audience its tokens must carry. */
  readonly url: string;
  /** Everything it wrote to stdout and stderr, whole. */
  output(): string;
  /** SIGTERM, so it flushes its logs and closes its store; SIGKILL if it has not exited 10 s later. */
  stop(): Promise<void>;
}

/** Starts a server with exactly `env` (no variable of this process leaks in) and waits for its endpoint. */
export function startServerProcess(
  server: string,
  label: string,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const child: Child = spawn(process.execPath, [bin, 'serve', server, '--http', '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Drained for the whole run: a full pipe would stall the server, and every byte is checked at the end.
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  // An HTTP server has no stdin to lose: should this process end without afterAll, take it along.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', orphanGuard);
      resolve();
    }),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      done();
      void stop();
      reject(new Error(`tollgate serve ${server} (${label}) ${why}:\n${output}`));
    };
    const onData = () => {
      const url = /listening on (http:\/\/\S+) \(Streamable HTTP\)/.exec(output)?.[1];
      if (url === undefined) return;
      done();
      resolve({ label, url, output: () => output, stop });
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(`exited (${code ?? signal}) before listening`);
    const onError = (error: Error) => fail(`could not start: ${error.message}`);
    const timer = setTimeout(() => fail('printed no endpoint within 100 s'), 100_000);
    const done = () => {
      clearTimeout(timer);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stderr.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
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
