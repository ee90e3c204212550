import type { ContractCase, ContractOptions } from './ContractOptions.ts';
import { type AnyTool, withRun } from './contractRun.ts';
import { createCases } from './createCases.ts';
import { fail } from './expectResult.ts';
import { faultCases } from './faultCases.ts';
import type { UpstreamRequest } from './faultyFetch.ts';
import { invalidInputCase, wrongShapeCase } from './inputCases.ts';
import { scopeCases } from './scopeCases.ts';
import { secretCase } from './secretCases.ts';
import { isBatch } from './shared.ts';

const notRead = (request: UpstreamRequest) => request.method !== 'GET' && request.method !== 'HEAD';

/**
 * The contract cases of a Tollgate server: for every tool, each missing scope, invalid input derived
 * from its schema, a wrong-shaped handler value, secrets, and — for create tools — replay, reuse,
 * concurrent callers and invalid input under a key; for tools that reach an upstream, its faults.
 * Builds the server once to read its tools; each case builds its own. Register the cases with
 * `registerContractCases` (vitest or node:test).
 *
 * @example
 * const cases = await contractCases({
 *   name: 'notes',
 *   create: (env) => createNotesServer({ store: { memory: true }, log: env.log }),
 *   examples: { get_note: { id: 'n1' }, add_note: { text: 'hello' } },
 * });
 * registerContractCases('notes', cases, { describe, it });
 */
export async function contractCases(options: ContractOptions): Promise<ContractCase[]> {
  let tools: readonly AnyTool[] = [];
  await withRun({ ...options, create: async (env) => options.create(env) }, async (run) => {
    tools = run.server.tools;
  });
  const upstreamTools = new Set(
    options.upstream?.tools ??
      (options.upstream === undefined
        ? []
        : tools.filter((tool) => tool.openWorld === true).map((tool) => tool.name)),
  );
  const isWrite = options.upstream?.isWrite ?? notRead;
  const allScopes = new Set(tools.flatMap((tool) => tool.scopes as string[]));
  const cases: ContractCase[] = [];
  for (const tool of tools) {
    if (options.examples[tool.name] === undefined) {
      cases.push({
        name: `${tool.name}: has example arguments for its contract cases`,
        run: async () => fail(tool.name, `no example arguments given for ${tool.name}; add one to examples`),
      });
      continue;
    }
    cases.push(...scopeCases(options, tool, allScopes));
    cases.push(invalidInputCase(options, tool));
    cases.push(secretCase(options, tool, upstreamTools.has(tool.name)));
    // Batch tools answer per item (values, errors, replays); their per-item cases are not written yet.
    if (isBatch(tool)) continue;
    cases.push(wrongShapeCase(options, tool));
    if (tool.kind === 'create') cases.push(...createCases(options, tool, isWrite));
    if (upstreamTools.has(tool.name)) cases.push(...faultCases(options, tool, isWrite));
  }
  for (const name of Object.keys(options.examples)) {
    if (!tools.some((tool) => tool.name === name)) {
      cases.push({
        name: `${name}: is a tool of the server`,
        run: async () => fail(name, `an example names ${name}, which the server does not have`),
      });
    }
  }
  return cases;
}
