import { afterEach, describe, expect, it } from 'vitest';
import { call, postJson, sleep } from '../../test/testSupport.ts';
import type { FaultConfigInput } from '../faults.ts';
import { gatewayPage } from './gatewayPage.ts';
import { type SimulatorServer, startSimulatorServer, type Vendor } from './simulatorServer.ts';

// The smallest vendor there is: it counts the requests it processed and echoes the count.
function counterVendor(): Vendor<{ processed: number }> {
  let processed = 0;
  return {
    handle: () => ({ status: 200, body: { n: ++processed } }),
    outage: (config) => gatewayPage(503, config.retryAfterSeconds),
    fault: (kind) => (kind === 'server_error' ? { status: 500, body: { injected: kind } } : undefined),
    reshape: (response) => ({ ...response, body: { renamed: true } }),
    badRequest: (message) => ({ status: 400, body: { message } }),
    headers: () => ({ 'x-vendor': 'counter' }),
    stats: () => ({ processed }),
  };
}

describe('the simulator pipeline', () => {
  const open: SimulatorServer<{ processed: number }>[] = [];
  const start = async (faults: FaultConfigInput = {}, seed = 1) => {
    const server = await startSimulatorServer(counterVendor(), { seed, faults });
    open.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('refuses to bind anything but loopback', async () => {
    await expect(startSimulatorServer(counterVendor(), { seed: 1, host: '0.0.0.0' })).rejects.toThrow(
      /loopback/,
    );
  });

  it('flips an outage on mid-run through the admin endpoint, and off again', async () => {
    const sim = await start();
    expect((await call(sim.url, '/x')).status).toBe(200);
    const set = await call(sim.url, '/__admin/faults', postJson({ outages: [{ startMs: 0 }] }));
    expect(set.status).toBe(200);
    const down = await call(sim.url, '/x');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect(down.headers.get('content-type')).toBe('text/html');
    await call(sim.url, '/__admin/faults', postJson({}));
    expect((await call(sim.url, '/x')).status).toBe(200);
    const stats = await call(sim.url, '/__admin/stats');
    expect(stats.body).toMatchObject({ requests: 3, outages: 1, processed: 2, byStatus: { 200: 2, 503: 1 } });
  });

  it('answers 503 only inside a configured outage window', async () => {
    const sim = await start({ outages: [{ startMs: 150, endMs: 300 }] });
    expect((await call(sim.url, '/x')).status).toBe(200);
    await sleep(180 - sim.stats().uptimeMs);
    expect((await call(sim.url, '/x')).status).toBe(503);
    await sleep(320 - sim.stats().uptimeMs);
    expect((await call(sim.url, '/x')).status).toBe(200);
  });

  it('refuses an invalid fault config with 400 and keeps the old one', async () => {
    const sim = await start({ hang: 0 });
    const answer = await call(sim.url, '/__admin/faults', postJson({ hang: 3 }));
    expect(answer.status).toBe(400);
    expect((await call(sim.url, '/__admin/faults')).body).toMatchObject({ hang: 0 });
    expect(() => sim.setFaults({ errors: { rate_limit: 2 } })).toThrow();
  });

  it('leaves a hung request unanswered until the client gives up', async () => {
    const sim = await start({ hang: 1 });
    const started = Date.now();
    await expect(fetch(new URL('/x', sim.url), { signal: AbortSignal.timeout(150) })).rejects.toThrow(
      /abort|timeout/i,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(sim.stats()).toMatchObject({ hangs: 1, processed: 0 });
  });

  it('processes a request whose answer is lost, so a blind retry repeats the effect', async () => {
    const sim = await start({ lostResponse: 1 });
    await expect(fetch(new URL('/x', sim.url), { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    sim.setFaults({});
    expect((await call(sim.url, '/x')).body).toEqual({ n: 2 });
    expect(sim.stats()).toMatchObject({ lostResponses: 1, processed: 2 });
  });

  it('closes promptly even with requests hanging', async () => {
    const sim = await startSimulatorServer(counterVendor(), { seed: 1, faults: { hang: 1 } });
    const pending = fetch(new URL('/x', sim.url)).catch((error: unknown) => error);
    await sleep(30);
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it('spends the configured latency before answering', async () => {
    const sim = await start({ latency: { kind: 'fixed', ms: 120 } });
    const started = Date.now();
    expect((await call(sim.url, '/x')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('reshapes successful answers only, and sends vendor headers on every answer', async () => {
    const sim = await start({ shapeChange: 1 });
    const answer = await call(sim.url, '/x');
    expect(answer.body).toEqual({ renamed: true });
    expect(answer.headers.get('x-vendor')).toBe('counter');
    const bad = await call(sim.url, '/x', { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-vendor')).toBe('counter');
  });

  it('records every credential vendor requests present, refused or not, but not admin requests', async () => {
    const sim = await start({ outages: [{ startMs: 0 }] });
    await call(sim.url, '/x', { headers: { authorization: 'Bearer pat-one' } });
    await call(sim.url, '/x', { headers: { authorization: 'Bearer pat-one' } });
    await call(sim.url, '/x?api_key=key-in-query', { headers: { 'x-api-key': 'key-in-header' } });
    await call(sim.url, '/x');
    await call(sim.url, '/__admin/stats', { headers: { authorization: 'Bearer admin-only' } });
    const expected = [
      { carrier: 'authorization', value: 'Bearer pat-one', requests: 2 },
      { carrier: 'x-api-key', value: 'key-in-header', requests: 1 },
      { carrier: 'api_key', value: 'key-in-query', requests: 1 },
    ];
    expect(sim.credentials()).toEqual(expected);
    expect((await call(sim.url, '/__admin/credentials')).body).toEqual(expected);
    expect(JSON.stringify(sim.stats())).not.toContain('pat-one');
  });

  it('gives the same statuses to the same request sequence under the same seed', async () => {
    const faults: FaultConfigInput = { errors: { server_error: 0.4 }, shapeChange: 0.3 };
    const run = async (seed: number) => {
      const sim = await start(faults, seed);
      const answers = [];
      for (let i = 0; i < 30; i++) answers.push(await call(sim.url, '/x'));
      return answers.map((a) => `${a.status}:${JSON.stringify(a.body)}`);
    };
    const first = await run(9);
    expect(await run(9)).toEqual(first);
    expect(await run(10)).not.toEqual(first);
  });
});
