import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskFields } from './maskFields.ts';
import { REDACTED, Redactor } from './Redactor.ts';

const secretArb = fc
  .string({ minLength: 8, maxLength: 48, unit: 'binary' })
  .filter((s) => !REDACTED.includes(s) && !s.includes(REDACTED));

describe('Redactor', () => {
  it('removes every occurrence of every secret from a string', () => {
    fc.assert(
      fc.property(
        fc.array(secretArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.string()),
        (secrets, parts) => {
          const redactor = new Redactor(secrets);
          const text = parts.flatMap((part, i) => [part, secrets[i % secrets.length] as string]).join('');
          const out = redactor.string(text);
          for (const secret of secrets) expect(out.includes(secret)).toBe(false);
        },
      ),
    );
  });

  it('removes secrets from nested values, keys included, without changing the input', () => {
    const secret = 'sk_live_0123456789';
    const input = { a: [`Bearer ${secret}`, { [secret]: 1, b: null, c: 3 }], d: true };
    const out = new Redactor([secret]).value(input);
    expect(JSON.stringify(out)).not.toContain(secret);
    expect(out).toEqual({ a: [`Bearer ${REDACTED}`, { [REDACTED]: 1, b: null, c: 3 }], d: true });
    expect(input.a[0]).toBe(`Bearer ${secret}`);
  });

  it('catches a secret that re-forms around the marker after a replacement', () => {
    const secret = ']abcdefg';
    expect(new Redactor([secret]).string(']abcdefgabcdefg')).not.toContain(secret);
  });

  it('refuses secrets too short to redact reliably, or overlapping the marker', () => {
    expect(() => new Redactor(['short'])).toThrow(/shorter than 8/);
    expect(() => new Redactor(['REDACTED'])).toThrow(/marker/);
    expect(() => new Redactor([`x${REDACTED}x`])).toThrow(/marker/);
  });

  it('leaves text alone when no secret is configured', () => {
    const value = { a: 'anything' };
    expect(new Redactor().value(value)).toBe(value);
  });
});

describe('maskFields', () => {
  it('masks values at nested, array and record paths and reports what it hid', () => {
    const input = {
      token: 'abc123456789',
      owner: { email: 'a@b.co', password: 'p4ssw0rd-long' },
      items: [{ key: 'k-1111111111' }, { key: 'k-2222222222' }],
      headers: { authorization: 'Bearer xyzxyzxyz' },
    };
    const { value, hidden } = maskFields(input, ['token', 'owner.password', 'items[].key', 'headers{}']);
    expect(value).toEqual({
      token: REDACTED,
      owner: { email: 'a@b.co', password: REDACTED },
      items: [{ key: REDACTED }, { key: REDACTED }],
      headers: { authorization: REDACTED },
    });
    expect(hidden.sort()).toEqual(
      ['abc123456789', 'p4ssw0rd-long', 'k-1111111111', 'k-2222222222', 'Bearer xyzxyzxyz'].sort(),
    );
    expect(input.token).toBe('abc123456789');
  });

  it('ignores paths that are absent', () => {
    expect(maskFields({ a: 1 }, ['b.c', 'a.x']).value).toEqual({ a: 1 });
  });
});
