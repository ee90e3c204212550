import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineTool } from './defineTool.ts';
import { ToolDefinitionError, validateTools } from './validateTools.ts';

const tool = (overrides: Record<string, unknown>) =>
  defineTool({
    name: 'get_thing',
    title: 'Get thing',
    description: 'Reads a thing.',
    scopes: ['things:read'],
    kind: 'read',
    input: z.object({ id: z.string().describe('Id') }),
    output: z.object({ name: z.string().describe('Name') }),
    handler: () => ({ name: 'x' }),
    ...overrides,
  });

describe('validateTools', () => {
  it('accepts a well-formed tool', () => {
    expect(() => validateTools('s', [tool({})])).not.toThrow();
  });

  it('refuses a tool with no scope, naming it (default deny)', () => {
    expect(() => validateTools('s', [tool({ scopes: [] })])).toThrow(
      /tool "get_thing": declares no scope; every tool needs at least one/,
    );
  });

  it('names the tool and the field path of every undescribed input and output field', () => {
    const bad = tool({
      input: z.object({ id: z.string(), filter: z.object({ owner: z.string() }).describe('F') }),
      output: z.object({ rows: z.array(z.object({ n: z.number() })).describe('Rows') }),
    });
    let message = '';
    try {
      validateTools('crm', [bad]);
    } catch (error) {
      expect(error).toBeInstanceOf(ToolDefinitionError);
      message = (error as Error).message;
    }
    expect(message).toContain('Server "crm" cannot start');
    expect(message).toContain('tool "get_thing": input field "id" has no description');
    expect(message).toContain('tool "get_thing": input field "filter.owner" has no description');
    expect(message).toContain('tool "get_thing": output field "rows[].n" has no description');
  });

  it('refuses malformed scope names, bad tool names and duplicates', () => {
    expect(() => validateTools('s', [tool({ scopes: ['admin'] })])).toThrow(
      /not of the form <resource>:<action>/,
    );
    expect(() => validateTools('s', [tool({ name: 'has space' })])).toThrow(/name must match/);
    expect(() => validateTools('s', [tool({}), tool({})])).toThrow(/defined twice/);
  });
});
