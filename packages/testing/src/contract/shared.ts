import { IDEMPOTENCY_KEY_FIELD } from '@tollgate/core';
import type { ContractOptions } from './ContractOptions.ts';
import type { AnyTool, ContractRun } from './contractRun.ts';
import { fail, textOf } from './expectResult.ts';

/** The example for a tool, checked against its own schema (with `key` for a create). */
export function exampleFor(
  options: ContractOptions,
  tool: AnyTool,
  key?: string,
  source: Readonly<Record<string, Record<string, unknown>>> = options.examples,
): Record<string, unknown> {
  const example = source[tool.name];
  if (example === undefined) fail(tool.name, `no example arguments given for ${tool.name}`);
  const fresh = key ?? uniqueKey('example');
  const args =
    tool.kind !== 'create'
      ? example
      : isBatch(tool)
        ? {
            ...example,
            items: itemsOf(example).map((item, i) => ({ ...item, [IDEMPOTENCY_KEY_FIELD]: `${fresh}-${i}` })),
          }
        : { ...example, [IDEMPOTENCY_KEY_FIELD]: fresh };
  const parsed = tool.argumentsSchema.safeParse(args);
  if (!parsed.success) {
    fail(
      tool.name,
      `the example is not valid input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return args;
}

let keys = 0;
/** A key no earlier call of the process has used. */
export function uniqueKey(purpose: string): string {
  keys += 1;
  return `contract-${purpose}-${process.pid}-${keys}-${Date.now().toString(36)}`;
}

/** Checks that `body` leaves the server's state as it found it, and sends nothing upstream. */
export async function expectNothingWritten(run: ContractRun, where: string, body: () => Promise<void>) {
  const before = await run.snapshot();
  const sent = run.upstream.requests.length;
  await body();
  const after = await run.snapshot();
  if (JSON.stringify(after) !== JSON.stringify(before)) fail(where, 'the server’s state changed');
  const upstream = run.upstream.requests.slice(sent);
  if (upstream.length > 0) {
    fail(
      where,
      `it sent ${upstream.length} request(s) upstream: ${upstream.map((r) => `${r.method} ${r.url}`).join(', ')}`,
    );
  }
}

/** Everything a caller or an operator could see so far: results and every log line. */
export function seenText(run: ContractRun, results: readonly unknown[]): string {
  return `${JSON.stringify(results)}\n${results.map((r) => textOf(r as never)).join('\n')}\n${run.logs.lines().join('\n')}`;
}

/** A batch tool (`defineBatchTool`): `{ items }` in, one answer per item out, each item on its own. */
export function isBatch(tool: AnyTool): boolean {
  return 'batch' in tool && typeof tool.batch === 'object' && tool.batch !== null;
}

function itemsOf(example: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(example.items) ? (example.items as Record<string, unknown>[]) : [];
}
