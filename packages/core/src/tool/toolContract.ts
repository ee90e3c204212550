import type * as z from 'zod';
import type { ObjectSchema, ToolKind } from './defineTool.ts';

/**
 * What both sides of a tool agree on: its name, what it may do (scopes, kind) and the shapes it
 * takes and answers. A server spreads it into `defineTool` and adds a handler; a client imports the
 * same object and gets typed arguments and a checked, typed value from `callTool`
 * (`@tollgate/core/client`). Nothing in a contract runs: it is safe for a client to import.
 */
export interface ToolContract<
  I extends ObjectSchema = ObjectSchema,
  O extends ObjectSchema = ObjectSchema,
  K extends ToolKind = ToolKind,
  N extends string = string,
> {
  /** Unique within a server; `[A-Za-z0-9_.-]{1,128}`. */
  name: N;
  /** Human-readable name shown by clients. Default: the name in words (`get_account` → "Get account"). */
  title?: string;
  /** What the tool does and when a model should use it. */
  description: string;
  /** Every scope the caller must hold. At least one: default deny. */
  scopes: readonly string[];
  kind: K;
  input: I;
  output: O;
}

/** Any tool's contract. */
export type AnyToolContract = ToolContract<ObjectSchema, ObjectSchema, ToolKind, string>;

/**
 * A tool's contract, with its name and kind kept as literal types.
 *
 * @example
 * export const getInvoice = toolContract({
 *   name: 'get_invoice', description: 'Look up one invoice by id.', scopes: ['invoices:read'], kind: 'read',
 *   input: z.object({ id: z.string().describe('Invoice id') }),
 *   output: z.object({ amount: z.number().describe('Amount in cents') }),
 * });
 * // server: defineTool({ ...getInvoice, handler: async ({ id }) => … })
 */
export function toolContract<
  const N extends string,
  I extends ObjectSchema,
  O extends ObjectSchema,
  K extends ToolKind,
>(contract: ToolContract<I, O, K, N>): ToolContract<I, O, K, N> {
  return contract;
}

/** A server's tools keyed by name. */
export type ServerContract<T extends readonly AnyToolContract[]> = { [C in T[number] as C['name']]: C };

/**
 * A server's contract: its tools' contracts keyed by name, for `callTool(client, contract.get_invoice, …)`
 * and for deriving what a caller must be granted. Two tools with one name are refused.
 */
export function serverContract<const T extends readonly AnyToolContract[]>(...tools: T): ServerContract<T> {
  const byName: Record<string, AnyToolContract> = {};
  for (const tool of tools) {
    if (Object.hasOwn(byName, tool.name)) throw new Error(`Two tools are named ${tool.name}.`);
    byName[tool.name] = tool;
  }
  return byName as ServerContract<T>;
}

/**
 * The arguments a call sends: the input, plus `idempotency_key` for a create (a batch create's
 * keys are in its items, which its input already spells).
 */
export type ToolArguments<C extends AnyToolContract> = z.input<C['input']> &
  (C extends { item: unknown }
    ? unknown
    : C['kind'] extends 'create'
      ? { idempotency_key: string }
      : unknown);

/** The value a successful call answers, as its output schema parses it. */
export type ToolValue<C extends AnyToolContract> = z.output<C['output']>;

/** Every scope the given tools declare, each once, in order of first use. */
export function scopesOf(tools: Iterable<AnyToolContract> | Record<string, AnyToolContract>): string[] {
  const list = Symbol.iterator in tools ? [...(tools as Iterable<AnyToolContract>)] : Object.values(tools);
  return [...new Set(list.flatMap((tool) => tool.scopes))];
}
