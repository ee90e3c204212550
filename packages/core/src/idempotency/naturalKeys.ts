import { domainToASCII } from 'node:url';
import { parse as parseHost } from 'tldts';
import * as z from 'zod';

/*
 * Natural keys are the stable ids that make upserts idempotent: one company is one domain, one
 * lead is one email address. Two spellings of one company must give one key, and anything that is
 * not a host must be refused rather than bent into one. So the rules here are not hand-written:
 * IDN labels go through WHATWG's domain-to-ASCII (UTS #46, what browsers do), and "is this a
 * company's domain or only a public suffix" is answered by the Public Suffix List shipped in
 * tldts. A TLD the list does not know counts as a one-label suffix (the list's own default rule),
 * so `acme.example` or an intranet `acme.corp` is still a domain, while `co.uk`, `com` or
 * `localhost` are not.
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

/** A string schema that stores the key `toKey` makes of the value, or refuses it with the reason. */
function naturalKeySchema(min: number, max: number, toKey: (value: string) => string | { reason: string }) {
  return z
    .string()
    .min(min)
    .max(max)
    .transform((value, ctx) => {
      const key = toKey(value);
      if (typeof key === 'string') return key;
      ctx.addIssue({ code: 'custom', message: key.reason });
      return z.NEVER;
    });
}

/** A company domain, normalized before it is checked or stored: the stable id of an account. */
export function domainSchema(description: string) {
  return naturalKeySchema(1, 2048, (value) => {
    const check = checkDomain(value);
    return check.ok ? check.domain : check;
  }).describe(description);
}

/** An email address, trimmed and lower-cased (its domain in ASCII form) before it is checked or
 * stored: the stable id of a lead. */
export function emailSchema(description: string) {
  return naturalKeySchema(3, 320, (value) => {
    const check = checkEmail(value);
    return check.ok ? check.email : check;
  }).describe(description);
}
