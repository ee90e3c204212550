import { randomBytes } from 'node:crypto';
import { IDEMPOTENCY_KEY_FIELD } from '@tollgate/core';
import type { ContractCase, ContractOptions } from './ContractOptions.ts';
import { type AnyTool, withRun } from './contractRun.ts';
import { fail, type ToolResult } from './expectResult.ts';
import { exampleFor, seenText, uniqueKey } from './shared.ts';

/**
 * No declared secret and no sensitive argument is ever shown: not in a result, not in a log line.
 * The declared secret (`env.secret`) is sent in every string argument; a sensitive field gets a
 * canary of its own; and, for a tool that reaches the upstream, the upstream answers with a
 * refusal quoting the request back, credential included, which must have been sent.
 */
export function secretCase(options: ContractOptions, tool: AnyTool, reachesUpstream: boolean): ContractCase {
  return {
    name: `${tool.name}: never shows a declared secret or a sensitive argument`,
    run: () =>
      withRun(options, async (run) => {
        const listing = (await run.list()).find((each) => each.name === tool.name)?.inputSchema ?? {};
        const results: ToolResult[] = [];
        const key = () => (tool.kind === 'create' ? uniqueKey('secret') : undefined);

        const sensitiveCanary = `tollgate-sensitive-canary-${randomBytes(12).toString('hex')}`;
        const sensitive = writeOnlyFields(listing as Record<string, unknown>);
        if (sensitive.length > 0) {
          const args = { ...exampleFor(options, tool, key()) };
          for (const field of sensitive) args[field] = sensitiveCanary;
          results.push(await run.call(tool.name, args));
        }

        const laced = withSecret(exampleFor(options, tool, key()), run.secret) as Record<string, unknown>;
        results.push(await run.call(tool.name, laced));

        if (reachesUpstream) {
          const sent = run.upstream.requests.length;
          run.upstream.set({ kind: 'echo' });
          results.push(await run.call(tool.name, exampleFor(options, tool, key())));
          run.upstream.set(undefined);
          const requests = run.upstream.requests.slice(sent);
          if (requests.length === 0) fail(tool.name, 'made no request through env.fetch');
          if (!JSON.stringify(requests).includes(run.secret)) {
            fail(
              tool.name,
              'never sent env.secret upstream: make it the upstream credential, so this case means something',
            );
          }
        }

        const seen = seenText(run, results);
        if (seen.includes(run.secret))
          fail(tool.name, `showed the declared secret: ${excerpt(seen, run.secret)}`);
        if (seen.includes(sensitiveCanary)) {
          fail(tool.name, `showed a sensitive argument: ${excerpt(seen, sensitiveCanary)}`);
        }
      }),
  };
}

/** Top-level fields the schema marks writeOnly (what `sensitive()` advertises). */
function writeOnlyFields(schema: Record<string, unknown>): string[] {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(properties)
    .filter(
      ([, field]) =>
        field.writeOnly === true ||
        ((field.anyOf ?? []) as Record<string, unknown>[]).some((b) => b.writeOnly === true),
    )
    .map(([name]) => name);
}

/** The arguments with the secret appended to every string but the idempotency key. */
function withSecret(value: unknown, secret: string, key?: string): unknown {
  if (key === IDEMPOTENCY_KEY_FIELD) return value;
  if (typeof value === 'string') return `${value} ${secret}`;
  if (Array.isArray(value)) return value.map((item) => withSecret(item, secret));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, withSecret(item, secret, name)]),
    );
  }
  return value;
}

function excerpt(text: string, needle: string): string {
  const at = text.indexOf(needle);
  return `…${text.slice(Math.max(0, at - 120), at + needle.length + 40)}…`;
}
