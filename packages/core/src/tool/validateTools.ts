import type { ToolDefinition } from './defineTool.ts';
import { undescribedFields } from './schemaWalk.ts';

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const SCOPE = /^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$/;

/** Thrown at server start when a tool definition breaks the gate's rules. */
export class ToolDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolDefinitionError';
  }
}

/**
 * Checks every tool before a server starts: a valid unique name, at least one well-formed scope
 * (default deny), a description, and a description on every input and output field.
 * All problems are reported at once.
 */
export function validateTools(serverName: string, tools: readonly ToolDefinition[]): void {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const tool of tools) {
    const label = `tool "${tool.name}"`;
    if (!TOOL_NAME.test(tool.name)) problems.push(`${label}: name must match ${TOOL_NAME.source}`);
    if (names.has(tool.name)) problems.push(`${label}: defined twice`);
    names.add(tool.name);
    if (!tool.description?.trim()) problems.push(`${label}: description is empty`);
    if (!Array.isArray(tool.scopes) || tool.scopes.length === 0) {
      problems.push(`${label}: declares no scope; every tool needs at least one (default deny)`);
    } else {
      for (const scope of tool.scopes) {
        if (!SCOPE.test(scope))
          problems.push(`${label}: scope "${scope}" is not of the form <resource>:<action>`);
      }
    }
    for (const path of undescribedFields(tool.argumentsSchema)) {
      problems.push(`${label}: input field "${path}" has no description; add .describe('...')`);
    }
    for (const path of undescribedFields(tool.output)) {
      problems.push(`${label}: output field "${path}" has no description; add .describe('...')`);
    }
  }
  if (problems.length > 0) {
    throw new ToolDefinitionError(`Server "${serverName}" cannot start:\n  - ${problems.join('\n  - ')}`);
  }
}
