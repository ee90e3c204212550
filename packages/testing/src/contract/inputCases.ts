import { createServer } from '@tollgate/core';
import * as z from 'zod';
import { captureLogs } from '../captureLogs.ts';
import { connectInProcess } from '../connectInProcess.ts';
import type { ContractCase, ContractOptions } from './ContractOptions.ts';
import { type AnyTool, withRun } from './contractRun.ts';
import { errorOf, expectError, fail, type ToolResult } from './expectResult.ts';
import { invalidArguments, typesOf } from './invalidArguments.ts';
import { exampleFor, expectNothingWritten, isBatch } from './shared.ts';

/** Every invalid variant of the example the schema rules out is refused as invalid_input, naming the field. */
export function invalidInputCase(options: ContractOptions, tool: AnyTool): ContractCase {
  return {
    name: `${tool.name}: refuses arguments its schema rules out with invalid_input, writing nothing`,
    run: () =>
      withRun(options, async (run) => {
        const listing = (await run.list()).find((each) => each.name === tool.name)?.inputSchema;
        if (listing === undefined) fail(tool.name, 'not listed to the server’s own caller');
        // A batch answers a bad item in that item's result, so only the envelope is refused whole.
        const variants = invalidArguments(listing, exampleFor(options, tool), tool.argumentsSchema).filter(
          (variant) => !isBatch(tool) || !variant.path.startsWith('items.'),
        );
        if (variants.length === 0) fail(tool.name, 'no invalid arguments could be derived from the example');
        const problems: string[] = [];
        await expectNothingWritten(run, tool.name, async () => {
          for (const variant of variants) {
            const where = `${tool.name} with ${variant.path || 'the arguments'} ${variant.why}`;
            const result = await run.call(tool.name, variant.args);
            try {
              const error = expectError(where, result, 'invalid_input');
              const issues = Array.isArray(error.details.issues)
                ? (error.details.issues as { path?: unknown }[])
                : [];
              if (issues.length === 0) fail(where, 'details.issues is empty', result);
              if (variant.path !== '' && !issues.some((issue) => related(String(issue.path), variant.path))) {
                fail(where, `no issue names ${variant.path}`, result);
              }
            } catch (error) {
              problems.push((error as Error).message);
            }
          }
        });
        if (problems.length > 0)
          fail(
            tool.name,
            `${problems.length} of ${variants.length} invalid variants:\n${problems.join('\n')}`,
          );
      }),
  };
}

// An issue may name the field, a part of it, or (for an unknown key) the object that holds it.
function related(issuePath: string, path: string): boolean {
  const parent = path.split('.').slice(0, -1).join('.') || '(root)';
  return issuePath === path || issuePath.startsWith(`${path}.`) || issuePath === parent;
}

/**
 * The tool's output schema is enforced: the same tool with a handler that answers a wrong shape (every
 * field of the wrong type), behind the same gate, answers upstream_contract_violation, logged at
 * error level. The tool is served by a twin server, since a handler cannot be swapped in a running one.
 */
export function wrongShapeCase(options: ContractOptions, tool: AnyTool): ContractCase {
  return {
    name: `${tool.name}: answers a handler's wrong-shaped value with upstream_contract_violation`,
    run: async () => {
      const logs = captureLogs();
      const wrong = wrongShape(tool);
      const twin = createServer({
        name: `${options.name}-wrong-shape`,
        version: '0.0.0',
        tools: [{ ...tool, handler: () => wrong, recover: undefined }],
        store: { memory: true },
        log: { destination: logs.stream },
      });
      const connection = await connectInProcess(twin);
      try {
        const where = `${tool.name} answering ${JSON.stringify(wrong)}`;
        const result = (await connection.client.callTool({
          name: tool.name,
          arguments: exampleFor(options, tool),
        })) as ToolResult;
        if (result.isError !== true) fail(where, 'the output schema let a wrong shape through', result);
        errorOf(where, result);
        expectError(where, result, 'upstream_contract_violation');
        const record = logs.calls().at(-1);
        if (record?.level !== 'error')
          fail(where, `the call record is not at error level (${String(record?.level)})`);
      } finally {
        await connection.close();
        await twin.close();
      }
    },
  };
}

/** An object whose every field has a type the output schema does not allow. */
function wrongShape(tool: AnyTool): Record<string, unknown> {
  const schema = z.toJSONSchema(tool.output, { io: 'output', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const wrong: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(properties)) {
    const accepted = typesOf(field);
    wrong[key] =
      [4242, 'not-a-value', true, ['x'], { x: 1 }].find((value) => !acceptsType(accepted, value)) ?? null;
  }
  return Object.keys(wrong).length > 0 ? wrong : { tollgate_unexpected_field: 'unexpected' };
}

function acceptsType(types: ReadonlySet<string>, value: unknown): boolean {
  if (types.size === 0) return true;
  if (Array.isArray(value)) return types.has('array');
  if (typeof value === 'number') return types.has('number') || types.has('integer');
  return types.has(typeof value);
}
