import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authenticateClient, type DevClient, grantScopes, parseDevClients } from './clients.ts';

const RESOURCE = 'https://crm.example.com/mcp';
const scope = fc.constantFrom('a:read', 'a:write', 'b:read', 'b:write', 'c:run');

describe('grantScopes', () => {
  it('never grants a scope that was not both allowed and requested (all allowed when none requested)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(scope), fc.array(scope), fc.boolean(), (allowed, requested, viaWildcard) => {
        const client: DevClient = {
          client_id: 'c',
          client_secret: 'x'.repeat(16),
          resources: { [viaWildcard ? '*' : RESOURCE]: allowed },
        };
        const grant = grantScopes(client, RESOURCE, requested.join(' '));
        if (!grant.ok) {
          expect(grant.error).toBe('invalid_scope');
          const refusedRightly =
            requested.some((s) => !allowed.includes(s)) || (requested.length === 0 && allowed.length === 0);
          expect(refusedRightly).toBe(true);
          return;
        }
        const wanted = requested.length > 0 ? requested : allowed;
        for (const granted of grant.scopes) {
          expect(allowed).toContain(granted);
          expect(wanted).toContain(granted);
        }
        expect(new Set(grant.scopes).size).toBe(grant.scopes.length);
        expect(new Set(grant.scopes)).toEqual(new Set(wanted));
      }),
    );
  });

  it('prefers a resource entry of its own over "*"', () => {
    const client: DevClient = {
      client_id: 'c',
      client_secret: 'x'.repeat(16),
      resources: { '*': ['a:read'], [RESOURCE]: ['b:read'] },
    };
    expect(grantScopes(client, RESOURCE, undefined)).toEqual({ ok: true, scopes: ['b:read'] });
    expect(grantScopes(client, 'https://other.example.com/mcp', undefined)).toEqual({
      ok: true,
      scopes: ['a:read'],
    });
  });
});

describe('authenticateClient', () => {
  const clients: DevClient[] = [{ client_id: 'c', client_secret: 's'.repeat(20), resources: {} }];

  it('accepts only the exact secret of a known client', () => {
    expect(authenticateClient(clients, 'c', 's'.repeat(20))).toBe(clients[0]);
    expect(authenticateClient(clients, 'c', 's'.repeat(19))).toBeUndefined();
    expect(authenticateClient(clients, 'd', 's'.repeat(20))).toBeUndefined();
  });
});

describe('parseDevClients', () => {
  it('names the bad field without printing any secret', () => {
    const secret = 'short-secret';
    const attempt = () =>
      parseDevClients(
        {
          clients: [{ client_id: 'a', client_secret: secret, resources: { 'not a url': ['x:y'] } }],
        },
        'clients.json',
      );
    expect(attempt).toThrow(/clients\.0\.client_secret: must be at least 16 characters/);
    expect(attempt).toThrow(/clients\.0\.resources\.not a url: it is not an absolute URL/);
    expect(attempt).not.toThrow(new RegExp(secret));
  });

  it('refuses a client id listed twice', () => {
    const twice = { client_id: 'a', client_secret: 'long-enough-secret-1', resources: {} };
    expect(() => parseDevClients({ clients: [twice, twice] }, 'clients.json')).toThrow(
      /clients\.1\.client_id: client_id "a" is listed twice/,
    );
  });
});
