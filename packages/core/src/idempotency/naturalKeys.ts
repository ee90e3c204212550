import * as z from 'zod';

/** `  Ada@Example.COM ` → `ada@example.com`. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** `https://www.Acme.com/pricing?x=1` → `acme.com`. */
export function normalizeDomain(input: string): string {
  let domain = input.trim().toLowerCase();
  domain = domain.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  domain = domain.replace(/^[^@/]*@/, '');
  domain = domain.split(/[/?#]/, 1)[0] ?? '';
  domain = domain.replace(/:\d+$/, '').replace(/\.$/, '');
  return domain.startsWith('www.') ? domain.slice(4) : domain;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;

/** A company domain, normalized before it is checked or stored: the stable id of an account. */
export function domainSchema(description: string) {
  return z
    .string()
    .min(1)
    .max(2048)
    .transform(normalizeDomain)
    .pipe(z.string().regex(DOMAIN, 'Expected a domain such as acme.com'))
    .describe(description);
}

/** An email address, trimmed and lower-cased before it is checked or stored: the stable id of a lead. */
export function emailSchema(description: string) {
  return z.string().min(3).max(320).transform(normalizeEmail).pipe(z.email()).describe(description);
}
