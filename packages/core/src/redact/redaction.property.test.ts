import { borrowed, captureLogs } from '@tollgate/testing';
import { freshPglite, type TestDatabase } from '@tollgate/testing/databases';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeTool, probeTool } from '../../test/fixtures.ts';
import { createServer } from '../server/createServer.ts';
import { REDACTED } from './Redactor.ts';

type Placement = (secret: string) => { name: string; arguments: Record<string, unknown> };

/** Every place a configured secret can reach a call: arguments, errors, upstream bodies, outputs, handler logs. */
const placements: Record<string, Placement> = {
  'an argument value': (s) => ({ name: 'probe', arguments: { mode: 'ok', text: s } }),
  'part of an argument': (s) => ({ name: 'probe', arguments: { mode: 'ok', text: `Bearer ${s}!` } }),
  'an argument name': (s) => ({ name: 'probe', arguments: { mode: 'ok', [s]: 'x' } }),
  'an invalid argument': (s) => ({ name: 'probe', arguments: { mode: s } }),
  'a sensitive argument': (s) => ({ name: 'probe', arguments: { mode: 'ok', api_key: s } }),
  'a ToolError message and details': (s) => ({ name: 'probe', arguments: { mode: 'not_found', text: s } }),
  'an upstream body in details': (s) => ({
    name: 'probe',
    arguments: { mode: 'rate_limited', text: `{"k":"${s}"}` },
  }),
  'a hint': (s) => ({ name: 'probe', arguments: { mode: 'conflict', text: s } }),
  'an unknown throw (stack to the log)': (s) => ({ name: 'probe', arguments: { mode: 'throw', text: s } }),
  'a successful output': (s) => ({ name: 'probe', arguments: { mode: 'echo', text: s } }),
  'a handler log line': (s) => ({ name: 'probe', arguments: { mode: 'log', text: s } }),
  'an idempotency key': (s) => ({ name: 'make', arguments: { name: 'n', idempotency_key: s } }),
};

function leaks(text: string, secret: string): boolean {
  return text.includes(secret) || text.includes(JSON.stringify(secret).slice(1, -1));
}

function deepStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      deepStrings(item, out);
    }
  }
  return out;
}

const secretArb = fc
  .string({ minLength: 8, maxLength: 40, unit: 'binary' })
  .filter((s) => !REDACTED.includes(s) && !s.includes(REDACTED));

describe('redaction (property)', () => {
  // One store for every server: idempotency keys are where a secret used as a key could leak from.
  let test: TestDatabase;
  beforeAll(async () => {
    test = await freshPglite(inject('pgliteSnapshot'));
  });
  afterAll(() => test.drop());
  it('never lets a configured secret reach the call record or the tool result', async () => {
    await fc.assert(
      fc.asyncProperty(secretArb, fc.constantFrom(...Object.keys(placements)), async (secret, where) => {
        const logs = captureLogs();
        const server = createServer({
          name: 'redaction',
          version: '1.0.0',
          tools: [probeTool, makeTool],
          grantedScopes: ['probe:read', 'things:create'],
          secrets: [secret],
          store: borrowed(test.db),
          log: { destination: logs.stream },
        });
        const call = (placements[where] as Placement)(secret);
        const result = await server.gate.call({
          ...call,
          principal: { id: 'p', scopes: new Set(['probe:read', 'things:create']) },
        });
        await server.close();
        const emitted = logs.lines().join('\n');
        expect(logs.calls()).toHaveLength(1);
        expect(leaks(emitted, secret)).toBe(false);
        expect(leaks(JSON.stringify(result), secret)).toBe(false);
        for (const text of [...deepStrings(result), ...deepStrings(logs.events())]) {
          expect(text.includes(secret)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
