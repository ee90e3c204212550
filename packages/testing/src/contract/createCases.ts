import { IDEMPOTENCY_KEY_FIELD } from '@tollgate/core';
import type { ContractCase, ContractOptions } from './ContractOptions.ts';
import { type AnyTool, type ContractRun, withRun } from './contractRun.ts';
import { canonical, expectError, expectSuccess, fail, isReplayed, textOf } from './expectResult.ts';
import { invalidArguments } from './invalidArguments.ts';
import { exampleFor, expectNothingWritten, uniqueKey } from './shared.ts';

const CONCURRENT_CALLERS = 4;

/** The server-enforced idempotency of a create tool, seen from the caller. */
export function createCases(options: ContractOptions, tool: AnyTool, isWrite: WriteTest): ContractCase[] {
  const name = tool.name;
  return [
    {
      name: `${name}: replays the first result for a repeated key`,
      run: () =>
        withRun(options, async (run) => {
          const args = exampleFor(options, tool, uniqueKey('replay'));
          const first = await run.call(name, args);
          const value = expectSuccess(`${name} (first call)`, first);
          if (isReplayed(first)) fail(name, 'the first call is marked replayed', first);
          const again = await run.call(name, args);
          expectSuccess(`${name} (same key again)`, again);
          if (!isReplayed(again)) fail(name, 'the repeated call is not marked replayed', again);
          if (canonical(again.structuredContent) !== canonical(value)) {
            fail(name, 'the replay differs from the first result', again);
          }
          if (canonical(JSON.parse(textOf(again))) !== canonical(value)) {
            fail(name, 'the replay’s text does not carry the first result', again);
          }
        }),
    },
    {
      name: `${name}: refuses a key reused with other arguments as idempotency_key_reused`,
      run: () =>
        withRun(options, async (run) => {
          const key = uniqueKey('reuse');
          expectSuccess(`${name} (first call)`, await run.call(name, exampleFor(options, tool, key)));
          const other = otherArguments(options, tool, key);
          const reused = await run.call(name, other);
          expectError(`${name} with the key and other arguments`, reused, 'idempotency_key_reused');
        }),
    },
    {
      name: `${name}: gives concurrent callers of one key one effect`,
      run: () =>
        withRun(options, async (run) => {
          const args = exampleFor(options, tool, uniqueKey('concurrent'));
          const sent = run.upstream.requests.length;
          const results = await Promise.all(
            Array.from({ length: CONCURRENT_CALLERS }, () => run.call(name, args)),
          );
          const writes = run.upstream.requests.slice(sent).filter(isWrite).length;
          const successes = results.filter((result) => result.isError !== true);
          for (const result of results) {
            if (result.isError === true) {
              const error = expectError(`${name} (concurrent)`, result, 'idempotency_in_progress');
              if (error.retry_after_ms === undefined)
                fail(name, 'idempotency_in_progress without retry_after_ms', result);
            } else expectSuccess(`${name} (concurrent)`, result);
          }
          if (successes.length === 0) fail(name, 'none of the concurrent callers succeeded');
          if (successes.filter((result) => !isReplayed(result)).length > 1) {
            fail(name, 'more than one concurrent caller ran the tool (not replayed)');
          }
          const values = new Set(successes.map((result) => canonical(result.structuredContent)));
          if (values.size > 1) fail(name, `concurrent callers got ${values.size} different results`);
          if (writes > 1) fail(name, `concurrent callers sent ${writes} writes upstream`);
          const later = await run.call(name, args);
          expectSuccess(`${name} (after the concurrent calls)`, later);
          if (canonical(later.structuredContent) !== [...values][0])
            fail(name, 'a later retry got another result', later);
        }),
    },
    {
      name: `${name}: writes nothing for invalid input under a key, which stays usable`,
      run: () =>
        withRun(options, async (run) => {
          const key = uniqueKey('invalid');
          const listing = (await run.list()).find((each) => each.name === name)?.inputSchema ?? {};
          const invalid = invalidArguments(
            listing,
            exampleFor(options, tool, key),
            tool.argumentsSchema,
          ).find(
            (variant) =>
              variant.path !== IDEMPOTENCY_KEY_FIELD && variant.args[IDEMPOTENCY_KEY_FIELD] === key,
          );
          if (invalid === undefined) fail(name, 'no invalid arguments could be derived from the example');
          await expectNothingWritten(run, `${name} with ${invalid.path} ${invalid.why}`, async () => {
            expectError(
              `${name} with ${invalid.path} ${invalid.why}`,
              await run.call(name, invalid.args),
              'invalid_input',
            );
          });
          const valid = await run.call(name, exampleFor(options, tool, key));
          expectSuccess(`${name} (valid, after invalid input under the same key)`, valid);
          if (isReplayed(valid)) fail(name, 'the valid call after invalid input is marked replayed', valid);
        }),
    },
  ];
}

export type WriteTest = (request: ContractRun['upstream']['requests'][number]) => boolean;

/** Valid arguments that differ from the example after normalization, under the same key. */
function otherArguments(options: ContractOptions, tool: AnyTool, key: string): Record<string, unknown> {
  if (options.otherExamples?.[tool.name] !== undefined)
    return exampleFor(options, tool, key, options.otherExamples);
  const example = exampleFor(options, tool, key);
  const normalized = JSON.stringify(tool.argumentsSchema.parse(example));
  for (const [field, value] of Object.entries(example)) {
    if (field === IDEMPOTENCY_KEY_FIELD) continue;
    const changed =
      typeof value === 'string'
        ? `${value} (other)`
        : typeof value === 'number'
          ? value + 1
          : typeof value === 'boolean'
            ? !value
            : undefined;
    if (changed === undefined) continue;
    const candidate = { ...example, [field]: changed };
    const parsed = tool.argumentsSchema.safeParse(candidate);
    if (parsed.success && JSON.stringify(parsed.data) !== normalized) return candidate;
  }
  return fail(tool.name, 'no other valid arguments could be derived from the example; give otherExamples');
}
