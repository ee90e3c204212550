import {
  createServer,
  defineBatchTool,
  defineTool,
  InvalidInputError,
  RateLimitedError,
  toolContract,
  UpstreamUnavailableError,
} from '@tollgate/core';
import type { HttpListener } from '@tollgate/core/http';
import { captureLogs } from '@tollgate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { ServerConnection } from '../servers/ServerConnection.ts';
import { FullJitterBackoff } from './FullJitterBackoff.ts';
import { GuardedServer, type GuardOptions } from './GuardedServer.ts';
import { RetryBudget } from './RetryBudget.ts';
import { TokenBucket } from './TokenBucket.ts';

describe('TokenBucket', () => {
  afterEach(() => vi.useRealTimers());

  it('lets a burst through, then paces at the rate', async () => {
    vi.useFakeTimers();
    const bucket = new TokenBucket(10, 3, () => Date.now());
    let taken = 0;
    for (let i = 0; i < 8; i++) void bucket.take().then(() => taken++);
    await vi.advanceTimersByTimeAsync(0);
    expect(taken).toBe(3);
    await vi.advanceTimersByTimeAsync(200);
    expect(taken).toBe(5);
    await vi.advanceTimersByTimeAsync(300);
    expect(taken).toBe(8);
  });

  it('gives nobody a token before a pause ends', async () => {
    vi.useFakeTimers();
    const bucket = new TokenBucket(100, 10, () => Date.now());
    bucket.pauseUntil(Date.now() + 1_000);
    let taken = 0;
    void bucket.take().then(() => taken++);
    await vi.advanceTimersByTimeAsync(999);
    expect(taken).toBe(0);
    await vi.advanceTimersByTimeAsync(20);
    expect(taken).toBe(1);
  });
});

describe('FullJitterBackoff', () => {
  const result = (retry_after_ms?: number) => ({
    value: { ok: false, error: { code: 'rate_limited', retryable: true, retry_after_ms, message: 'x' } },
  });

  it('waits a uniform share of a capped exponential ceiling', () => {
    const backoff = new FullJitterBackoff(100, 1_000, () => 0.999);
    const waits = [1, 2, 3, 4, 5, 6].map(
      (attempt) => backoff.next({ attempt, result: result(), signal: new AbortController().signal }).duration,
    );
    expect(waits).toEqual([99, 199, 399, 799, 999, 999]);
    const none = new FullJitterBackoff(100, 1_000, () => 0);
    expect(none.next({ attempt: 4, result: result(), signal: new AbortController().signal }).duration).toBe(
      0,
    );
  });

  it('never waits less than the server asked for', () => {
    const backoff = new FullJitterBackoff(100, 1_000, () => 0);
    expect(
      backoff.next({ attempt: 1, result: result(4_000), signal: new AbortController().signal }).duration,
    ).toBe(4_000);
  });
});

describe('GuardedServer against a real server over HTTP', () => {
  let script: string[] = [];
  let seenAttempts: number[] = [];
  let listener: HttpListener;
  const flaky = defineTool({
    name: 'flaky',
    title: 'Flaky',
    description: 'Fails as scripted, then succeeds.',
    scopes: ['flaky:read'],
    kind: 'read',
    input: z.object({}),
    output: z.object({ ok: z.boolean().describe('Always true') }),
    handler: (_input, ctx) => {
      seenAttempts.push(ctx.attempt);
      const next = script.shift();
      if (next === 'rate_limited') throw new RateLimitedError('slow down', { retryAfterMs: 150 });
      if (next === 'unavailable') throw new UpstreamUnavailableError('down');
      return { ok: true };
    },
  });

  // A tool the client believes in and the server does not have.
  const nope = toolContract({ ...flaky, name: 'nope' });

  beforeAll(async () => {
    listener = await createServer({
      name: 'flaky',
      version: '1',
      tools: [flaky],
      grantedScopes: ['flaky:read'],
      log: { destination: captureLogs().stream },
    }).start({ http: {}, process: false });
  });
  afterAll(() => listener.close());

  const options: GuardOptions = {
    concurrency: 2,
    ratePerSecond: 1_000,
    maxAttempts: 4,
    backoffBaseMs: 10,
    backoffCapMs: 50,
    breakerThreshold: 3,
    breakerHalfOpenAfterMs: 60_000,
    callTimeoutMs: 5_000,
  };
  const guarded = (overrides: Partial<GuardOptions> = {}, budget = new RetryBudget(0, 100)) =>
    new GuardedServer(
      new ServerConnection('flaky', { kind: 'http', url: listener.url.toString() }),
      { flaky, nope },
      { ...options, ...overrides },
      budget,
    );

  it('retries retryable errors, sends the attempt number, and waits as long as the server asked', async () => {
    script = ['rate_limited', 'unavailable'];
    seenAttempts = [];
    const server = guarded();
    const started = Date.now();
    const outcome = await server.call('flaky', {});
    expect(outcome).toMatchObject({ ok: true, attempts: 3 });
    expect(seenAttempts).toEqual([1, 2, 3]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(server.stats).toMatchObject({
      calls: 3,
      retries: 2,
      errors: { rate_limited: 1, upstream_unavailable: 1 },
    });
  });

  it('never retries a terminal error', async () => {
    seenAttempts = [];
    const server = guarded();
    const outcome = await server.call('nope', {});
    expect(outcome).toMatchObject({
      ok: false,
      attempts: 1,
      error: { code: 'protocol_error', retryable: false },
    });
    expect(server.stats.retries).toBe(0);
  });

  it('stops retrying when the run’s retry budget is spent', async () => {
    script = ['unavailable', 'unavailable', 'unavailable'];
    seenAttempts = [];
    const budget = new RetryBudget(0, 1);
    const outcome = await guarded({}, budget).call('flaky', {});
    expect(outcome).toMatchObject({ ok: false, attempts: 2, error: { code: 'upstream_unavailable' } });
    expect(budget.used).toBe(1);
    script = [];
  });

  it('grows the retry budget with the calls the run makes, not with its retries', async () => {
    // No floor: a retry is allowed only once first attempts have earned one (ratio 0.5 → every 2 calls).
    const budget = new RetryBudget(0.5, 0);
    const server = guarded({}, budget);
    script = ['unavailable', 'unavailable', 'unavailable'];
    expect(await server.call('flaky', {})).toMatchObject({ ok: false, attempts: 1 });
    expect(budget).toMatchObject({ calls: 1, used: 0, limit: 0 });
    script = ['unavailable'];
    expect(await server.call('flaky', {})).toMatchObject({ ok: true, attempts: 2 });
    expect(budget).toMatchObject({ calls: 2, used: 1, limit: 1 });
    script = [];
  });

  it('opens its breaker after consecutive failures and then fails fast without calling', async () => {
    const server = guarded({ maxAttempts: 1, breakerThreshold: 2 });
    script = ['unavailable', 'unavailable', 'unavailable'];
    seenAttempts = [];
    await server.call('flaky', {});
    await server.call('flaky', {});
    expect(server.breakerOpen).toBe(true);
    const fast = await server.call('flaky', {});
    expect(fast).toMatchObject({ ok: false, error: { code: 'circuit_open', retryable: false } });
    expect(seenAttempts).toHaveLength(2);
    script = [];
  });
});

describe('GuardedServer.callBatch against a real batch tool over HTTP', () => {
  /** How each item answers, by id: a list of answers taken one per call. */
  const scripts = new Map<string, string[]>();
  const sent: string[][] = [];
  const lookups = defineBatchTool({
    name: 'lookups',
    description: 'Answers each item as scripted.',
    scopes: ['flaky:read'],
    kind: 'read',
    item: z.object({ id: z.string().describe('Item id') }),
    value: z.object({ id: z.string().describe('The id') }),
    handler: async (items) => {
      sent.push(items.map((item) => item.id));
      // An item whose id starts with "slow" keeps its call in flight a while.
      if (items.some((item) => item.id.startsWith('slow'))) await new Promise((r) => setTimeout(r, 150));
      return items.map(({ id }) => {
        const next = scripts.get(id)?.shift();
        if (next === 'busy') return new RateLimitedError('slow down', { retryAfterMs: 120 });
        if (next === 'refused') return new InvalidInputError('no such id');
        return { id };
      });
    },
  });
  let listener: HttpListener;
  beforeAll(async () => {
    listener = await createServer({
      name: 'lookups',
      version: '1',
      tools: [lookups],
      log: { destination: captureLogs().stream },
    }).start({ http: {}, process: false });
  });
  afterAll(() => listener.close());

  const guarded = (maxAttempts = 4, budget = new RetryBudget(0, 100), ratePerSecond = 1_000) =>
    new GuardedServer(
      new ServerConnection('lookups', { kind: 'http', url: listener.url.toString() }),
      { lookups },
      {
        concurrency: 2,
        ratePerSecond,
        burst: 1,
        maxAttempts,
        backoffBaseMs: 10,
        backoffCapMs: 50,
        breakerThreshold: 3,
        breakerHalfOpenAfterMs: 60_000,
        callTimeoutMs: 5_000,
      },
      budget,
    );

  it('sends again only the items that failed retryably, never one already answered', async () => {
    scripts.clear();
    sent.length = 0;
    scripts.set('b', ['busy', 'busy']);
    scripts.set('c', ['refused']);
    const started = Date.now();
    const outcomes = await guarded().callBatch('lookups', [
      { id: 'a' },
      { id: 'b' },
      { id: 'c' },
      { id: 'd' },
    ]);
    expect(sent).toEqual([['a', 'b', 'c', 'd'], ['b'], ['b']]);
    expect(outcomes).toEqual([
      { ok: true, value: { id: 'a' }, replayed: false, attempts: 1 },
      { ok: true, value: { id: 'b' }, replayed: false, attempts: 3 },
      { ok: false, error: expect.objectContaining({ code: 'invalid_input', retryable: false }), attempts: 1 },
      { ok: true, value: { id: 'd' }, replayed: false, attempts: 1 },
    ]);
    // Each retry waited at least the delay the item was given.
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('gives up on an item after its attempts, and splits a long list into calls of the limit', async () => {
    scripts.clear();
    sent.length = 0;
    scripts.set('x', ['busy', 'busy', 'busy']);
    const outcomes = await guarded(2).callBatch('lookups', [{ id: 'x' }, { id: 'y' }, { id: 'z' }], 2);
    // z, short of a full call, waits for the first call's answer, and x for its retry delay: they
    // go out after it, together or one after the other (the delay is random).
    expect(sent[0]).toEqual(['x', 'y']);
    expect(sent.slice(1).flat().sort()).toEqual(['x', 'z']);
    expect(sent.slice(1).every((call) => call.length <= 2)).toBe(true);
    expect(outcomes[0]).toMatchObject({
      ok: false,
      attempts: 2,
      error: { code: 'rate_limited', retryable: true },
    });
    expect(outcomes.slice(1).every((outcome) => outcome.ok)).toBe(true);
  });

  it('puts the items of callers that wait for a token into one call', async () => {
    scripts.clear();
    sent.length = 0;
    // 5 calls a second, no burst beyond one: the second call waits about 200 ms for its token.
    const server = guarded(4, new RetryBudget(0, 100), 5);
    const first = server.callBatch('lookups', [{ id: 'a' }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const later = await Promise.all([
      server.callBatch('lookups', [{ id: 'b' }]),
      server.callBatch('lookups', [{ id: 'c' }, { id: 'd' }]),
      server.callBatch('lookups', [{ id: 'e' }]),
    ]);
    await first;
    expect(sent).toEqual([['a'], ['b', 'c', 'd', 'e']]);
    expect(later.map((outcomes) => outcomes.map((outcome) => outcome.ok && outcome.value))).toEqual([
      [{ id: 'b' }],
      [{ id: 'c' }, { id: 'd' }],
      [{ id: 'e' }],
    ]);
  });

  it('holds a part-filled call while another of the tool is in flight, and sends a full one at once', async () => {
    scripts.clear();
    sent.length = 0;
    const server = guarded();
    const first = server.callBatch('lookups', [{ id: 'slow-1' }], 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The slow call is in flight: b and c wait for it; d, e and f fill a call and go at once.
    const waiting = [
      server.callBatch('lookups', [{ id: 'b' }], 3),
      server.callBatch('lookups', [{ id: 'c' }], 3),
    ];
    await new Promise((resolve) => setTimeout(resolve, 20));
    const full = server.callBatch('lookups', [{ id: 'd' }, { id: 'e' }, { id: 'f' }], 3);
    await Promise.all([first, ...waiting, full]);
    expect(sent).toEqual([['slow-1'], ['b', 'c', 'd'], ['e', 'f']]);
  });

  it('retries the failed items of several callers together, and each caller gets its own', async () => {
    scripts.clear();
    sent.length = 0;
    scripts.set('p', ['busy']);
    scripts.set('q', ['busy']);
    const server = guarded(4, new RetryBudget(0, 100), 5);
    const [one, two] = await Promise.all([
      server.callBatch('lookups', [{ id: 'p' }, { id: 'r' }]),
      server.callBatch('lookups', [{ id: 'q' }]),
    ]);
    // Both callers' items go out in the first call; p and q fail in it and come back together.
    expect(sent).toEqual([
      ['p', 'r', 'q'],
      ['p', 'q'],
    ]);
    expect(one.map((outcome) => outcome.attempts)).toEqual([2, 1]);
    expect(two).toEqual([{ ok: true, value: { id: 'q' }, replayed: false, attempts: 2 }]);
  });

  it('answers every item, never hanging, when the server’s breaker opens under its calls', async () => {
    const down = new GuardedServer(
      new ServerConnection('lookups', { kind: 'http', url: 'http://127.0.0.1:9/mcp' }),
      { lookups },
      {
        concurrency: 2,
        ratePerSecond: 1_000,
        maxAttempts: 3,
        backoffBaseMs: 5,
        backoffCapMs: 10,
        breakerThreshold: 1,
        breakerHalfOpenAfterMs: 40,
        callTimeoutMs: 2_000,
      },
      new RetryBudget(0, 100),
    );
    // Two callers: the second's items find the breaker open before any request takes them.
    const [one, two] = await Promise.all([
      down.callBatch('lookups', [{ id: 'a' }, { id: 'b' }], 2),
      down.callBatch('lookups', [{ id: 'c' }], 2),
    ]);
    for (const outcome of [...one, ...two]) {
      expect(outcome.ok).toBe(false);
      expect(['circuit_open', 'upstream_unavailable']).toContain(!outcome.ok && outcome.error.code);
    }
    expect(down.breakerOpen).toBe(true);
  });

  it('answers every item with the call’s error when the whole call fails', async () => {
    scripts.clear();
    const down = new GuardedServer(
      new ServerConnection('lookups', { kind: 'http', url: 'http://127.0.0.1:9/mcp' }),
      { lookups },
      {
        concurrency: 1,
        ratePerSecond: 1_000,
        maxAttempts: 2,
        backoffBaseMs: 5,
        backoffCapMs: 10,
        breakerThreshold: 10,
        breakerHalfOpenAfterMs: 60_000,
        callTimeoutMs: 2_000,
      },
      new RetryBudget(0, 100),
    );
    const outcomes = await down.callBatch('lookups', [{ id: 'a' }, { id: 'b' }]);
    expect(outcomes).toEqual([
      expect.objectContaining({
        ok: false,
        error: expect.objectContaining({ code: 'upstream_unavailable' }),
      }),
      expect.objectContaining({
        ok: false,
        error: expect.objectContaining({ code: 'upstream_unavailable' }),
      }),
    ]);
  });
});
