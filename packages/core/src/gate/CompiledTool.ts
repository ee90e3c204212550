import type { Tool } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { ERROR_CODE_LIST } from '../errors/codes.ts';
import type { ToolDefinition } from '../tool/defineTool.ts';
import { sensitivePaths } from '../tool/schemaWalk.ts';
import { unknownKeyMarker } from './recordBounds.ts';

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
  return portable(rest) as Record<string, unknown>;
}

/** Keywords whose value is data, never a schema. */
const VALUES = new Set(['default', 'examples', 'enum', 'const']);

/** Keywords that describe a schema rather than constrain it. */
const ANNOTATIONS = new Set([
  'description',
  'title',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

/**
 * The advertised schema in the spelling every client keeps. zod writes an unconstrained union of
 * primitives as a type array (`type: ["string", "null"]`), which single-type dialects (Gemini's
 * function declarations, OpenAPI 3.0) cannot hold and the Inspector's strict mode flags; here each
 * type becomes its own `anyOf` branch carrying the type's constraints. A value schema with no
 * keyword at all (`{}`, what zod writes for `unknown`) is written `true`, which says the same thing
 * on purpose. Input schemas should not need either: see the tools' own schemas, which give every
 * input field a single type, since LangChain's adapter drops the type of an `anyOf` field.
 */
export function portable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(portable);
  if (node === null || typeof node !== 'object') return node;
  const schema = Object.fromEntries(
    Object.entries(node).map(([key, value]) => {
      if (key === 'properties' && value !== null && typeof value === 'object') {
        return [
          key,
          Object.fromEntries(Object.entries(value).map(([name, child]) => [name, portable(child)])),
        ];
      }
      if (key === 'additionalProperties' && isUnconstrained(value)) return [key, true];
      // Values, not schemas: a default or an enum is kept exactly as written.
      if (VALUES.has(key)) return [key, value];
      return [key, portable(value)];
    }),
  ) as Record<string, unknown>;
  if (!Array.isArray(schema.type)) return schema;
  const { type, ...others } = schema;
  const annotations = Object.fromEntries(Object.entries(others).filter(([key]) => ANNOTATIONS.has(key)));
  const constraints = Object.fromEntries(Object.entries(others).filter(([key]) => !ANNOTATIONS.has(key)));
  const branches = (type as string[]).map((one) =>
    one === 'null' ? { type: one } : { type: one, ...constraints },
  );
  return { ...annotations, anyOf: branches };
}

function isUnconstrained(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).every((key) => ANNOTATIONS.has(key))
  );
}

const errorEnvelopeJson = jsonSchema(toolErrorEnvelopeSchema, 'output');

/** A tool with everything the gate derives from its definition computed once, at start. */
export interface CompiledTool {
  readonly definition: ToolDefinition;
  readonly listing: Tool;
  readonly sensitivePaths: readonly string[];
  /** `markUnknownKeys` for this tool's arguments schema, compiled once (see recordBounds.ts). */
  readonly markUnknownKeys: (value: unknown) => { value: unknown; unknown: string[] };
}

export function compileTool(definition: ToolDefinition): CompiledTool {
  const listing = {
    name: definition.name,
    title: definition.annotations.title,
    description: definition.description,
    inputSchema: jsonSchema(definition.argumentsSchema, 'input'),
    // A failing call answers with the error envelope, and clients that validate structuredContent
    // even on isError results (SDK v1) must accept it: the advertised schema admits both shapes.
    outputSchema: { type: 'object', anyOf: [jsonSchema(definition.output, 'output'), errorEnvelopeJson] },
    annotations: definition.annotations,
    _meta: { 'tollgate/scopes': [...definition.scopes], 'tollgate/kind': definition.kind },
  } as unknown as Tool;
  return {
    definition,
    listing,
    sensitivePaths: sensitivePaths(definition.argumentsSchema),
    markUnknownKeys: unknownKeyMarker(definition.argumentsSchema),
  };
}
