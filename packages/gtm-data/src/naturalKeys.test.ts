import { domainToUnicode } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDomain, checkEmail, normalizeDomain, normalizeEmail } from './naturalKeys.ts';

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const unicodeLabel = fc.constantFrom('bücher', 'münchen', 'café', 'пример', '例え', 'ελλάδα');
const tld = fc.constantFrom('com', 'de', 'io', 'co.uk', 'com.au', 'example', 'рф');

describe('natural keys', () => {
  it('normalizes to a key that normalizes to itself, and every spelling of it to the same key (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(label, unicodeLabel), { minLength: 1, maxLength: 3 }),
        tld,
        fc.constantFrom('', 'www.', 'www.www.', 'https://', 'http://www.', 'HTTPS://WWW.'),
        fc.constantFrom('', '/', '/pricing?x=1', ':8443/a#b', '.'),
        (labels, suffix, prefix, tail) => {
          const host = [...labels, suffix].join('.');
          const key = normalizeDomain(`${prefix}${host}${tail}`);
          expect(key).not.toBeNull();
          expect(normalizeDomain(key as string)).toBe(key);
          expect(normalizeDomain(domainToUnicode(key as string).toUpperCase())).toBe(key);
          expect(key).toMatch(/^[a-z0-9.-]+$/);
        },
      ),
    );
  });

  it('refuses every public suffix on its own', () => {
    for (const suffix of ['com', 'co.uk', 'com.au', 'xn--p1ai', 'рф']) {
      expect(checkDomain(suffix)).toMatchObject({
        ok: false,
        reason: expect.stringContaining('public suffix'),
      });
    }
    // A registrable domain under a suffix of two labels is a company's.
    expect(checkDomain('acme.co.uk')).toEqual({ ok: true, domain: 'acme.co.uk' });
  });

  it.each([
    'x.com\\@evil.com',
    'https://x.com\\@evil.com',
    'user@evil.com',
    'ex ample.com',
    'a\u0000b.com',
    'a_b.com',
    '-a.com',
    'a..com',
    'xn--zz.com',
    '192.168.0.1',
    '[::1]',
    'mailto:ada@acme.com',
    'acme.123',
    '',
  ])('refuses %j as not a company host', (value) => {
    expect(normalizeDomain(value)).toBeNull();
  });

  it('gives one email key to both spellings of an international domain', () => {
    expect(normalizeEmail(' Ada@Bücher.DE ')).toBe('ada@xn--bcher-kva.de');
    expect(normalizeEmail('ada@xn--bcher-kva.de')).toBe('ada@xn--bcher-kva.de');
    expect(normalizeEmail('ada@пример.рф')).toBe('ada@xn--e1afmkfd.xn--p1ai');
    for (const bad of ['ada@co.uk', 'ada@localhost', 'ada@1.2.3.4', 'a..b@acme.com', '@acme.com', 'ada@']) {
      expect(checkEmail(bad).ok).toBe(false);
    }
  });
});

describe('normalizeDomain on any input', () => {
  it('maps any input to null or to a key that normalizes to itself (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.webUrl({ withQueryParameters: true, withFragments: true }),
          fc.domain().map((domain) => `www.www.${domain}`),
          fc.emailAddress(),
          fc.string(),
        ),
        (input) => {
          const key = normalizeDomain(input);
          if (key !== null) expect(normalizeDomain(key)).toBe(key);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
