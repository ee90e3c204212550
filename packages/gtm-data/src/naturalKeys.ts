import { domainToASCII } from 'node:url';
import { parse as parseHost } from 'tldts';

/*
 * Natural keys are the stable ids that make upserts idempotent: one company is one domain, one
 * lead is one email address. Two spellings of one company must give one key, and anything that is
 * not a host must be refused rather than bent into one. So the rules here are not hand-written:
 * IDN labels go through WHATWG's domain-to-ASCII (UTS #46, what browsers do), and "is this a
 * company's domain or only a public suffix" is answered by the Public Suffix List shipped in
 * tldts. A TLD the list does not know counts as a one-label suffix (the list's own default rule),
 * so `acme.example` or an intranet `acme.corp` is still a domain, while `co.uk`, `com` or
 * `localhost` are not.
 *
 * The simulators once had a second normalizeDomain that lower-cased first, cut the path, then cut
 * everything up to an `@`, then the port, the trailing dot and one `www.`. The order here is the one
 * kept, because that order bent values this one refuses: cutting to the last `@` after the path
 * turned `x.com\@evil.com` into `evil.com` and an email address into its domain (a lead is not an
 * account); lower-casing before the IDN step left `Bücher.de` apart from `xn--bcher-kva.de`; and one
 * `www.` cut was not a key at all, since `www.www.acme.com` gave `www.acme.com`, which normalized
 * again to `acme.com`. So: refuse what no host contains, let the WHATWG URL parser (or
 * domain-to-ASCII) find the host, then drop the trailing dot, lower-case, and drop `www.` labels down
 * to the registrable domain, which makes every key a fixed point of normalizeDomain.
 */

/** What a domain or email must not contain in any spelling: a URL's credentials, a backslash (which
 * WHATWG URL parsing reads as a path separator, so `x.com\@evil.com` would turn into `x.com`),
 * whitespace inside the value, and control characters. */
const NOT_IN_A_HOST = /[@\\\s\p{Cc}]/u;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Letters, digits and hyphens per label (RFC 1123), the last label not all digits. */
const ASCII_DOMAIN =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*(?=[a-z0-9-]*[a-z])[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export type DomainCheck = { ok: true; domain: string } | { ok: false; reason: string };

/**
 * The account key of a company domain, or why the value is not one.
 * `https://www.Bücher.de/preise?x=1` → `xn--bcher-kva.de`; `www.www.acme.com` → `acme.com`;
 * `co.uk` → refused (a public suffix, not a company); `x.com\@evil.com` → refused.
 * Leading `www.` labels are dropped only down to the registrable domain, so `www.co.uk` (a company
 * registered under `co.uk`) keeps its name. Other subdomains are kept: `eu.acme.com` is its own key.
 */
export function checkDomain(input: string): DomainCheck {
  let value = input.trim();
  if (NOT_IN_A_HOST.test(value)) {
    return {
      ok: false,
      reason: 'Expected a bare domain such as acme.com, without @, \\, spaces or control characters',
    };
  }
  let host: string;
  if (SCHEME.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return { ok: false, reason: 'Expected a domain such as acme.com or an http(s) URL of one' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return {
        ok: false,
        reason: `A ${url.protocol} URL has no company domain; send a domain such as acme.com`,
      };
    }
    host = url.hostname;
  } else {
    value = value.split(/[/?#]/, 1)[0] ?? '';
    host = domainToASCII(value.replace(/:\d{1,5}$/, ''));
  }
  host = host.replace(/\.$/, '').toLowerCase();
  if (!ASCII_DOMAIN.test(host)) {
    return {
      ok: false,
      reason: 'Expected a domain such as acme.com (letters, digits and hyphens; IDNs welcome)',
    };
  }
  const parsed = parseHost(host, { extractHostname: false, validateHostname: true });
  if (parsed.isIp) return { ok: false, reason: 'An IP address is not a company domain' };
  const registrable = parsed.domain;
  if (!registrable) {
    return {
      ok: false,
      reason: `${host} is not a company's domain: it is a public suffix (like com or co.uk) or a name without one; send the company's own domain, such as acme.com`,
    };
  }
  while (host.startsWith('www.') && host !== registrable) host = host.slice(4);
  return { ok: true, domain: host };
}

/** `https://www.Acme.com/pricing?x=1` → `acme.com`; `null` when the value is not a company domain. */
export function normalizeDomain(input: string): string | null {
  const check = checkDomain(input);
  return check.ok ? check.domain : null;
}

/** zod's own rule for the part before the `@`, applied on its own so that IDN domains (whose ASCII
 * form may end in a label such as `xn--p1ai`) are judged by the domain rules above. */
const LOCAL_PART = /^(?!\.)(?!.*\.\.)[a-z0-9_'+\-.]*[a-z0-9_+-]$/;

export type EmailCheck = { ok: true; email: string } | { ok: false; reason: string };

/**
 * The lead key of an email address, or why the value is not one: trimmed, lower-cased, its domain
 * in ASCII form (`Ada@Bücher.de` → `ada@xn--bcher-kva.de`). The domain must be a host with a
 * registrable domain, as for accounts; it is not shortened (`ada@www.acme.com` stays as sent).
 */
export function checkEmail(input: string): EmailCheck {
  const value = input.trim();
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at).toLowerCase();
  const rawDomain = value.slice(at + 1);
  if (at < 1 || local.length > 64 || !LOCAL_PART.test(local)) {
    return { ok: false, reason: 'Expected an email address such as ada@acme.com' };
  }
  if (NOT_IN_A_HOST.test(rawDomain)) {
    return {
      ok: false,
      reason: 'Expected an email address such as ada@acme.com; its domain has a character no host has',
    };
  }
  const domain = domainToASCII(rawDomain).replace(/\.$/, '').toLowerCase();
  if (!ASCII_DOMAIN.test(domain))
    return { ok: false, reason: 'Expected an email address such as ada@acme.com' };
  const parsed = parseHost(domain, { extractHostname: false, validateHostname: true });
  if (parsed.isIp || !parsed.domain) {
    return {
      ok: false,
      reason: `${domain} is not a domain an address can live under; send an address such as ada@acme.com`,
    };
  }
  return { ok: true, email: `${local}@${domain}` };
}

/** `  Ada@Example.COM ` → `ada@example.com`; `null` when the value is not an email address. */
export function normalizeEmail(input: string): string | null {
  const check = checkEmail(input);
  return check.ok ? check.email : null;
}
