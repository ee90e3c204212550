import { describe, expect, it } from 'vitest';
import { InvalidTokenError, type VerifiedToken } from './tokenVerifier.ts';
import { cacheVerifiedTokens } from './verifiedTokenCache.ts';

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);

/**
 * A stand-in for full verification that counts its calls and, like the real one, refuses a token
 * whose `exp` has passed on the same clock. Tokens are `name:exp-in-seconds`.
 */
function countingVerifier(clock: { now: number }) {
  const calls: string[] = [];
  const verify = async (token: string): Promise<VerifiedToken> => {
    calls.push(token);
    const [name, exp] = token.split(':');
    if (name === 'bad') throw new InvalidTokenError('bad_signature');
    const expiresAt = Number(exp);
    if (expiresAt * 1000 <= clock.now) throw new InvalidTokenError('expired');
    return { clientId: `client-${name}`, subject: `user-${name}`, scopes: [`${name}:read`], expiresAt };
  };
  return { calls, verify };
}

function setup(options: { maxAgeMs?: number; maxEntries?: number } = {}) {
  const clock = { now: T0 };
  const inner = countingVerifier(clock);
  const verify = cacheVerifiedTokens(inner.verify, { ...options, now: () => clock.now });
  return { clock, calls: inner.calls, verify };
}

/** A token named `name` expiring `seconds` after T0. */
const token = (name: string, seconds = 3600) => `${name}:${T0 / 1000 + seconds}`;

describe('the verified-token cache', () => {
  it('does not verify again a token it verified, and answers with that token’s claims', async () => {
    const { calls, verify } = setup();
    const first = await verify(token('a'));
    const again = await verify(token('a'));
    expect(calls).toEqual([token('a')]);
    expect(again).toEqual(first);
    expect(again).toEqual({
      clientId: 'client-a',
      subject: 'user-a',
      scopes: ['a:read'],
      expiresAt: T0 / 1000 + 3600,
    });
  });

  it('gives each token its own entry, with its own claims', async () => {
    const { calls, verify } = setup();
    await verify(token('a'));
    await verify(token('b'));
    expect(await verify(token('a'))).toMatchObject({ clientId: 'client-a', scopes: ['a:read'] });
    expect(await verify(token('b'))).toMatchObject({ clientId: 'client-b', scopes: ['b:read'] });
    // Same name, another expiry: another token, so another entry.
    expect(await verify(token('a', 60))).toMatchObject({ clientId: 'client-a', expiresAt: T0 / 1000 + 60 });
    expect(calls).toEqual([token('a'), token('b'), token('a', 60)]);
  });

  it('hands each caller its own scopes, so a change by one never reaches the next', async () => {
    const { verify } = setup();
    const first = await verify(token('a'));
    first.scopes.push('admin:write');
    expect((await verify(token('a'))).scopes).toEqual(['a:read']);
  });

  it('verifies again after the maximum age', async () => {
    const { clock, calls, verify } = setup({ maxAgeMs: 30_000 });
    await verify(token('a'));
    clock.now += 29_999;
    await verify(token('a'));
    expect(calls).toHaveLength(1);
    clock.now += 1;
    await verify(token('a'));
    expect(calls).toHaveLength(2);
    // The new verification starts a new period.
    clock.now += 29_999;
    await verify(token('a'));
    expect(calls).toHaveLength(2);
  });

  it('refuses an expired token even though it was cached, by verifying it again', async () => {
    const { clock, calls, verify } = setup({ maxAgeMs: 10 * 60_000 });
    await verify(token('a', 60));
    clock.now += 59_000;
    await verify(token('a', 60));
    expect(calls).toHaveLength(1);
    clock.now += 1_000; // exp reached, well within the maximum age
    await expect(verify(token('a', 60))).rejects.toMatchObject({ reason: 'expired' });
    expect(calls).toHaveLength(2);
  });

  it('never caches a refusal', async () => {
    const { calls, verify } = setup();
    await expect(verify('bad:0')).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(verify('bad:0')).rejects.toBeInstanceOf(InvalidTokenError);
    expect(calls).toEqual(['bad:0', 'bad:0']);
  });

  it('keeps at most its number of entries, dropping the least recently used', async () => {
    const { calls, verify } = setup({ maxEntries: 3 });
    for (const name of ['a', 'b', 'c']) await verify(token(name));
    await verify(token('a')); // a is now the most recently used; b the least
    await verify(token('d')); // b goes
    expect(calls).toEqual(['a', 'b', 'c', 'd'].map((name) => token(name)));
    for (const name of ['a', 'c', 'd']) await verify(token(name));
    expect(calls).toHaveLength(4);
    await verify(token('b'));
    expect(calls).toHaveLength(5);
    // Many more tokens than entries: each is verified once, and the bound still holds.
    for (let i = 0; i < 100; i++) await verify(token(`n${i}`));
    const before = calls.length;
    for (let i = 97; i < 100; i++) await verify(token(`n${i}`));
    expect(calls.length).toBe(before);
    await verify(token('n96'));
    expect(calls.length).toBe(before + 1);
  });

  it('verifies every time with a maximum age of 0', async () => {
    const { calls, verify } = setup({ maxAgeMs: 0 });
    await verify(token('a'));
    await verify(token('a'));
    expect(calls).toHaveLength(2);
  });

  it('refuses a negative maximum age or an empty cache at start', () => {
    expect(() => cacheVerifiedTokens(async () => ({}) as VerifiedToken, { maxAgeMs: -1 })).toThrow(
      /maximum age/,
    );
    expect(() => cacheVerifiedTokens(async () => ({}) as VerifiedToken, { maxEntries: 0 })).toThrow(
      /at least one entry/,
    );
  });
});
