import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Seed } from '@tollgate/gtm-data';
import { CredentialLog, type PresentedCredential } from '../credentials.ts';
import { type ErrorFaultKind, type FaultConfig, type FaultConfigInput, FaultInjector } from '../faults.ts';
import { TrafficCounter, type TrafficStats } from '../stats.ts';
import { readJsonBody, type SimRequest, type SimResponse, writeResponse } from './exchange.ts';

/** How one vendor answers, plugged into the shared pipeline (admin, faults, latency, counters). */
export interface Vendor<Extra> {
  handle(req: SimRequest): SimResponse | Promise<SimResponse>;
  /** The vendor's answer while an outage window is open (a 503). */
  outage(config: FaultConfig): SimResponse;
  /** The vendor's answer to an injected error, or undefined when it has no such failure for this request. */
  fault(kind: ErrorFaultKind, req: SimRequest, variant: number, config: FaultConfig): SimResponse | undefined;
  /** The same successful answer with a renamed or missing field. */
  reshape(response: SimResponse): SimResponse;
  /** The vendor's answer to a body that is not JSON or is too large. */
  badRequest(message: string): SimResponse;
  /** Headers sent on every vendor answer (rate-limit state, for one), computed after handling. */
  headers(): Record<string, string>;
  stats(): Extra;
}

export interface ListenOptions {
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

export interface SimulatorServer<Extra> {
  readonly url: URL;
  close(): Promise<void>;
  setFaults(config: FaultConfigInput): FaultConfig;
  stats(): TrafficStats & Extra;
  /** The credentials vendor requests presented (also `GET /__admin/credentials`). */
  credentials(): PresentedCredential[];
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Serves a vendor on loopback through the fault pipeline: outage → latency → hang → injected error →
 * handler → changed shape → lost response. `GET /__admin/stats`, `GET /__admin/credentials` and
 * `GET|POST /__admin/faults` bypass it.
 */
export async function startSimulatorServer<Extra>(
  vendor: Vendor<Extra>,
  options: ListenOptions & { seed: Seed; faults?: FaultConfigInput | undefined },
): Promise<SimulatorServer<Extra>> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`Simulators bind loopback only; refusing host ${host}.`);
  const startedAt = Date.now();
  const faults = new FaultInjector(options.seed, options.faults ?? {}, startedAt);
  const counter = new TrafficCounter(startedAt);
  const credentials = new CredentialLog();
  const timers = new Set<NodeJS.Timeout>();
  const stats = (): TrafficStats & Extra => ({ ...counter.snapshot(), ...vendor.stats() });

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const send = (res: ServerResponse, response: SimResponse): void => {
    counter.sent(response.status);
    writeResponse(res, response, vendor.headers());
  };

  const admin = (method: string | undefined, path: string, body: unknown): SimResponse => {
    if (path === '/__admin/stats' && method === 'GET') return { status: 200, body: stats() };
    if (path === '/__admin/credentials' && method === 'GET') {
      return { status: 200, body: credentials.list() };
    }
    if (path === '/__admin/faults' && method === 'GET') return { status: 200, body: faults.config };
    if (path === '/__admin/faults' && method === 'POST') {
      const result = faults.configure(body ?? {});
      return result.ok
        ? { status: 200, body: result.config }
        : { status: 400, body: { error: 'invalid fault config', issues: result.error.issues } };
    }
    return { status: 404, body: { error: `no admin route ${method} ${path}` } };
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parsed = await readJsonBody(req, MAX_BODY_BYTES);
    if (url.pathname.startsWith('/__admin/')) {
      const response = parsed.ok
        ? admin(req.method, url.pathname, parsed.body)
        : { status: 400, body: { error: parsed.reason } };
      return writeResponse(res, response, {});
    }
    counter.requests++;
    credentials.record(req.headers, url);
    const request: SimRequest = {
      method: req.method ?? 'GET',
      url,
      headers: req.headers,
      body: parsed.ok ? parsed.body : undefined,
    };
    const decision = faults.next();
    if (decision.action === 'outage') {
      counter.outages++;
      return send(res, vendor.outage(faults.config));
    }
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.action === 'hang') {
      counter.hangs++;
      return; // never answered: the socket stays open until the client gives up or we close
    }
    if (!parsed.ok) return send(res, vendor.badRequest(parsed.reason));
    if (decision.action === 'error') {
      const response = vendor.fault(decision.kind, request, decision.variant, faults.config);
      if (response) {
        counter.injected(decision.kind);
        return send(res, response);
      }
    }
    let response = await vendor.handle(request);
    const shapeChange = decision.action === 'pass' && decision.shapeChange;
    if (shapeChange && response.status >= 200 && response.status < 300) {
      counter.shapeChanges++;
      response = vendor.reshape(response);
    }
    if (decision.action === 'pass' && decision.lostResponse) {
      counter.lostResponses++;
      return; // the effect happened; the caller will never know
    }
    send(res, response);
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      // A simulator bug, not a vendor failure: say so plainly rather than dress it up as one.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ simulator_bug: String(error) }));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: new URL(`http://${urlHost}:${address.port}/`),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Hung requests never end on their own; cut them so close() returns and no handle stays open.
      server.closeAllConnections();
      await closed;
    },
    setFaults: (config) => {
      const result = faults.configure(config);
      if (!result.ok) throw result.error;
      return result.config;
    },
    stats,
    credentials: () => credentials.list(),
  };
}
