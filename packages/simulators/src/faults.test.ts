import { describe, expect, it } from 'vitest';
import { decideFault, type FaultConfig, FaultInjector, faultConfigSchema } from './faults.ts';

const config = (input: unknown): FaultConfig => faultConfigSchema.parse(input);
const decisions = (c: FaultConfig, seed: number, n: number) =>
  Array.from({ length: n }, (_, i) => decideFault(c, seed, i, 0));

describe('fault decisions', () => {
  const stormy = config({
    errors: { rate_limit: 0.1, server_error: 0.1, lock: 0.05 },
    hang: 0.02,
    lostResponse: 0.02,
    shapeChange: 0.05,
    latency: { kind: 'lognormal', medianMs: 20, p99Ms: 200 },
  });

  it('decides the same for the same seed and request sequence', () => {
    expect(decisions(stormy, 1, 500)).toEqual(decisions(stormy, 1, 500));
    const injector = new FaultInjector(1, stormy, 0);
    expect(Array.from({ length: 500 }, () => injector.next(0))).toEqual(decisions(stormy, 1, 500));
  });

  it('decides differently for another seed', () => {
    expect(decisions(stormy, 2, 200)).not.toEqual(decisions(stormy, 1, 200));
  });

  it('injects each error kind close to its configured rate', () => {
    const all = decisions(stormy, 3, 20_000);
    const rate = (kind: string) =>
      all.filter((d) => d.action === 'error' && d.kind === kind).length / all.length;
    expect(rate('rate_limit')).toBeCloseTo(0.1 * 0.98, 1);
    expect(rate('server_error')).toBeCloseTo(0.1 * 0.98, 1);
    expect(rate('lock')).toBeCloseTo(0.05 * 0.98, 1);
    expect(all.filter((d) => d.action === 'hang').length / all.length).toBeCloseTo(0.02, 2);
  });

  it('keeps error decisions in place when only the latency changes', () => {
    const fast = config({ errors: { server_error: 0.2 } });
    const slow = config({ errors: { server_error: 0.2 }, latency: { kind: 'fixed', ms: 50 } });
    const actions = (c: FaultConfig) => decisions(c, 4, 300).map((d) => d.action);
    expect(actions(slow)).toEqual(actions(fast));
  });

  it('answers every request inside an outage window with an outage, and none outside it', () => {
    const c = config({ outages: [{ startMs: 100, endMs: 200 }], errors: { server_error: 0.5 } });
    expect(decideFault(c, 5, 0, 99).action).not.toBe('outage');
    expect(decideFault(c, 5, 1, 100).action).toBe('outage');
    expect(decideFault(c, 5, 2, 199).action).toBe('outage');
    expect(decideFault(c, 5, 3, 200).action).not.toBe('outage');
    const open = config({ outages: [{ startMs: 0 }] });
    expect(decideFault(open, 5, 0, 1e9).action).toBe('outage');
  });

  it('draws lognormal latency around its median and never above maxMs', () => {
    const c = config({ latency: { kind: 'lognormal', medianMs: 50, p99Ms: 500, maxMs: 800 } });
    const latencies = decisions(c, 6, 10_000)
      .map((d) => (d.action === 'outage' ? 0 : d.latencyMs))
      .sort((a, b) => a - b);
    expect(latencies[5000]).toBeGreaterThanOrEqual(45);
    expect(latencies[5000]).toBeLessThanOrEqual(55);
    expect(latencies.at(-1)).toBeLessThanOrEqual(800);
  });

  it('rejects error rates that add up to more than 1, and unknown kinds', () => {
    expect(faultConfigSchema.safeParse({ errors: { rate_limit: 0.6, server_error: 0.5 } }).success).toBe(
      false,
    );
    expect(faultConfigSchema.safeParse({ errors: { meteor: 0.1 } }).success).toBe(false);
    expect(faultConfigSchema.safeParse({ outages: [{ startMs: 10, endMs: 5 }] }).success).toBe(false);
  });

  it('replaces the whole config on reconfigure and keeps counting requests', () => {
    const injector = new FaultInjector(7, { errors: { server_error: 1 } }, 0);
    expect(injector.next(0).action).toBe('error');
    const result = injector.configure({ hang: 1 });
    expect(result.ok).toBe(true);
    expect(injector.config.errors).toEqual({});
    expect(injector.next(0)).toEqual(decideFault(injector.config, 7, 1, 0));
    expect(injector.configure({ hang: 2 }).ok).toBe(false);
  });
});
