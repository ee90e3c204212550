import { checkDomain, checkEmail } from '@tollgate/gtm-data';
import * as z from 'zod';

/*
 * The natural keys themselves (what makes two spellings one account or one lead) live in
 * @tollgate/gtm-data, which the simulators and the warehouse's demo data share without depending on
 * the gate; here they become the schemas a tool's input declares.
 */
export {
  checkDomain,
  checkEmail,
  type DomainCheck,
  type EmailCheck,
  normalizeDomain,
  normalizeEmail,
} from '@tollgate/gtm-data';

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
