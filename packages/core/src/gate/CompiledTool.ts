import type { Tool } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { ERROR_CODE_LIST } from '../errors/codes.ts';
import type { ToolDefinition } from '../tool/defineTool.ts';
import { sensitivePaths } from '../tool/schemaWalk.ts';

/** The error envelope every failing call carries in `structuredContent`. */
export const toolErrorEnvelopeSchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODE_LIST as [string, ...string[]]).describe('Machine-readable error code'),
    retryable: z.boolean().describe('Whether the same call may succeed if retried later'),
    retry_after_ms: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Milliseconds to wait before retrying'),
    message: z.string().describe('What went wrong'),
    hint: z.string().describe('What to do next'),
    details: z.record(z.string(), z.unknown()).describe('Structured facts about the failure'),
  }),
});

export type ToolErrorEnvelope = z.infer<typeof toolErrorEnvelopeSchema>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

const errorEnvelopeJson = jsonSchema(toolErrorEnvelopeSchema, 'output');

/** A tool with everything the gate derives from its definition computed once, at start. */
export interface CompiledTool {
  readonly definition: ToolDefinition;
  readonly listing: Tool;
  readonly sensitivePaths: readonly string[];
}

export function compileTool(definition: ToolDefinition): CompiledTool {
  const listing = {
    name: definition.name,
    title: definition.title,
    description: definition.description,
    inputSchema: jsonSchema(definition.inputSchema, 'input'),
    // A failing call answers with the error envelope, and clients that validate structuredContent
    // even on isError results (SDK v1) must accept it: the advertised schema admits both shapes.
    outputSchema: { type: 'object', anyOf: [jsonSchema(definition.output, 'output'), errorEnvelopeJson] },
    annotations: definition.annotations,
    _meta: { 'tollgate/scopes': [...definition.scopes], 'tollgate/kind': definition.kind },
  } as unknown as Tool;
  return { definition, listing, sensitivePaths: sensitivePaths(definition.inputSchema) };
}
