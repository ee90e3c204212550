import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier } from './tokenVerifier.ts';

// Counts full verifications: jose's jwtVerify, which the verifier calls once for each token it
// checks in full, and not for one it answers from its cache.
const jose = vi.hoisted(() => ({ verifications: 0 }));
vi.mock('jose', async (importOriginal) => {
  const actual = await importOriginal<typeof import('jose')>();
  return {
    ...actual,
    jwtVerify: (...args: Parameters<typeof actual.jwtVerify>) => {
      jose.verifications += 1;
      return actual.jwtVerify(...args);
    },
  };
});

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'https://crm.test/mcp';

let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let jwk: JWK;
beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
});

function sign(claims: Record<string, unknown>, expiresIn = '5m'): Promise<string> {
  return new SignJWT({ client_id: 'agent-7', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(privateKey);
}

const verifier = (options: { tokenCacheMaxAgeMs?: number; now?: () => number } = {}) =>
  createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: { keys: [jwk] }, ...options });

describe('the token verifier’s cache of verified tokens', () => {
  it('verifies a token sent again only once, and answers with its own claims', async () => {
    const verify = verifier();
    const a = await sign({ scope: 'a:read', sub: 'ann' });
    const b = await sign({ scope: 'b:read b:write', sub: 'bob' });
    const before = jose.verifications;
    for (let i = 0; i < 5; i++) {
      expect(await verify.verify(a)).toMatchObject({
        clientId: 'agent-7',
        subject: 'ann',
        scopes: ['a:read'],
      });
      expect(await verify.verify(b)).toMatchObject({ subject: 'bob', scopes: ['b:read', 'b:write'] });
    }
    expect(jose.verifications - before).toBe(2);
  });

  it('verifies every request when its maximum age is 0', async () => {
    const verify = verifier({ tokenCacheMaxAgeMs: 0 });
    const token = await sign({ scope: 'a:read' });
    const before = jose.verifications;
    for (let i = 0; i < 3; i++) await verify.verify(token);
    expect(jose.verifications - before).toBe(3);
  });

  it('verifies again once the maximum age has passed (30 s by default)', async () => {
    const clock = { now: Date.now() };
    const verify = verifier({ now: () => clock.now });
    const token = await sign({ scope: 'a:read' });
    const before = jose.verifications;
    await verify.verify(token);
    clock.now += 29_000;
    await verify.verify(token);
    expect(jose.verifications - before).toBe(1);
    clock.now += 1_000;
    await verify.verify(token);
    expect(jose.verifications - before).toBe(2);
  });

  it('never remembers a refusal', async () => {
    const verify = verifier();
    const foreign = await new SignJWT({ client_id: 'x' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience('https://other.test/mcp')
      .setExpirationTime('5m')
      .sign(privateKey);
    const before = jose.verifications;
    for (let i = 0; i < 3; i++) {
      await expect(verify.verify(foreign)).rejects.toMatchObject({ reason: 'wrong_audience' });
    }
    expect(jose.verifications - before).toBe(3);
  });
});
