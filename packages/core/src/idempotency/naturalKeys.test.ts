import { describe, expect, it } from 'vitest';
import { domainSchema, emailSchema } from './naturalKeys.ts';

describe('natural key schemas', () => {
  it('stores the key, not the spelling sent', () => {
    expect(domainSchema('d').parse('https://WWW.Bücher.de/preise')).toBe('xn--bcher-kva.de');
    expect(emailSchema('e').parse(' Ada@Bücher.DE ')).toBe('ada@xn--bcher-kva.de');
  });

  it('reports why through the schema, as a validation issue on the field', () => {
    const result = domainSchema('d').safeParse('co.uk');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('public suffix');
    expect(emailSchema('e').safeParse('ada@localhost').error?.issues[0]?.message).toContain('localhost');
  });

  it('carries its description into the advertised JSON Schema', () => {
    expect(domainSchema('The company domain').description).toBe('The company domain');
  });
});
