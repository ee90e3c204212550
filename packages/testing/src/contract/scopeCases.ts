import type { ContractCase, ContractOptions } from './ContractOptions.ts';
import { type AnyTool, withRun } from './contractRun.ts';
import { expectError, fail, type ToolResult } from './expectResult.ts';
import { exampleFor, expectNothingWritten } from './shared.ts';

/** For each scope of the tool: a caller holding every other scope neither sees nor may call it. */
export function scopeCases(
  options: ContractOptions,
  tool: AnyTool,
  allScopes: ReadonlySet<string>,
): ContractCase[] {
  return tool.scopes.map((scope: string) => ({
    name: `${tool.name}: is unlisted and forbidden to a caller without ${scope}`,
    run: () =>
      withRun(options, async (run) => {
        const where = `${tool.name} without ${scope}`;
        const everything = await run.connectAs(allScopes);
        const listed = (await everything.listTools()).tools.map((each) => each.name);
        if (!listed.includes(tool.name)) fail(where, 'not listed even to a caller holding every scope');

        const lacking = await run.connectAs(new Set([...allScopes].filter((each) => each !== scope)));
        const names = (await lacking.listTools()).tools.map((each) => each.name);
        if (names.includes(tool.name)) fail(where, `listed to a caller who lacks ${scope}`);
        await expectNothingWritten(run, where, async () => {
          const result = (await lacking.callTool({
            name: tool.name,
            arguments: exampleFor(options, tool),
          })) as ToolResult;
          const error = expectError(where, result, 'forbidden');
          const missing = error.details.missing_scopes;
          if (!Array.isArray(missing) || !missing.includes(scope)) {
            fail(where, `details.missing_scopes does not name ${scope}`, result);
          }
        });
      }),
  }));
}
