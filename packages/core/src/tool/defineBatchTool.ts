import * as z from 'zod';
import type { ToolError } from '../errors/ToolError.ts';
import { InternalError } from '../errors/ToolError.ts';
import { toolErrorEnvelopeSchema } from '../gate/CompiledTool.ts';
import {
  IDEMPOTENCY_KEY_FIELD,
  idempotencyKeySchema,
  type ObjectSchema,
  type ToolContext,
  type ToolDefinition,
  type ToolInput,
  type ToolKind,
  toolAnnotations,
} from './defineTool.ts';
import type { ToolContract } from './toolContract.ts';

/** The most items a batch tool takes by default: HubSpot's and People Data Labs' batch caps. */
export const DEFAULT_MAX_ITEMS = 100;

/**
 * What both sides of a batch tool agree on (see `toolContract`): a tool contract's name, title,
 * description, scopes and kind, with one item's input and value in place of the call's.
 */
export interface BatchContractSpec<
  I extends ObjectSchema,
  V extends ObjectSchema,
  K extends ToolKind,
  N extends string = string,
> extends Omit<ToolContract<ObjectSchema, ObjectSchema, K, N>, 'input' | 'output'> {
  /** One item's input. For a create, each item also carries its own `idempotency_key`. */
  item: I;
  /** One item's value. */
  value: V;
  /** The most items in one call. Default 100. */
  maxItems?: number;
}

/** A batch tool's contract: a tool contract whose input is `{ items }` and output `{ results }`. */
export type BatchToolContract<
  I extends ObjectSchema,
  V extends ObjectSchema,
  K extends ToolKind,
  N extends string = string,
> = ToolContract<BatchInput<I, K>, BatchOutput<V>, K, N> & { item: I; value: V; maxItems: number };

/** A tool that acts on many records in one call, each item answered on its own. */
export interface BatchToolSpec<I extends ObjectSchema, V extends ObjectSchema, K extends ToolKind>
  extends BatchContractSpec<I, V, K> {
  /** Computed from `item` and `value`; present when a contract is spread in. */
  input?: BatchInput<I, K>;
  output?: BatchOutput<V>;
  openWorld?: boolean;
  timeoutMs?: number;
  /**
   * Runs the items that need running (a replayed or invalid item never reaches it) and answers one
   * value or `ToolError` per item, in the same order. Throwing fails the whole call, as a single
   * tool's failure does: for a request the vendor refused as a whole. For a local create the items'
   * effects and keys commit in one transaction (`ctx.db`): an item answered with an error must have
   * written nothing (use a savepoint per item when one statement can fail alone).
   */
  handler(
    items: ToolInput<I, K>[],
    ctx: ToolContext,
  ): Promise<ReadonlyArray<z.input<V> | ToolError>> | ReadonlyArray<z.input<V> | ToolError>;
  /**
   * For creates whose effect lives upstream: find the earlier effects of the items that took over an
   * unfinished key (see `ToolSpec.recover`), all of them in one call, so a vendor can be asked once
   * for the lot. Answers one entry per item, in the same order: the item's value when its effect was
   * made (that is its answer), `undefined` when it never was (the item runs), or a `ToolError` when
   * that item's lookup failed (its answer alone). A `ToolError` thrown is the answer of every item
   * looked up; any other throw fails the call.
   */
  recover?:
    | ((
        items: ToolInput<I, K>[],
        ctx: ToolContext,
      ) => Promise<ReadonlyArray<z.input<V> | ToolError | undefined>>)
    | undefined;
}

/** How the gate runs a batch tool: each item parsed, keyed and answered on its own. */
export interface BatchSpec {
  /** One item's arguments: the item schema, plus `idempotency_key` for creates. */
  readonly itemArguments: ObjectSchema;
  readonly itemOutput: ObjectSchema;
  readonly maxItems: number;
  /** The arguments' outer shape, parsed before any item: a list of 1 to `maxItems` objects. */
  readonly envelope: z.ZodObject<{ items: z.ZodArray<z.ZodType> }>;
  handler(
    items: Record<string, unknown>[],
    ctx: ToolContext,
  ): Promise<ReadonlyArray<unknown>> | ReadonlyArray<unknown>;
  /** One answer per item looked up, in order: a value, `undefined` (never made) or a `ToolError`. */
  recover?:
    | ((items: Record<string, unknown>[], ctx: ToolContext) => Promise<ReadonlyArray<unknown>>)
    | undefined;
}

/** One item's answer: its value, or its own error envelope. */
export function itemResultSchema<V extends ObjectSchema>(value: V) {
  return z.object({
    ok: z.boolean().describe('True when this item succeeded: read value; false: read error'),
    value: value.optional().describe('The item’s value, when ok'),
    error: toolErrorEnvelopeSchema.shape.error
      .optional()
      .describe('Why this item failed, when not ok: code, retryable, retry_after_ms, hint'),
    replayed: z
      .boolean()
      .optional()
      .describe('True when this item’s idempotency_key was used before and its first answer is repeated'),
  });
}

/** The arguments of a batch tool: `{ items: [...] }`. */
export type BatchInput<I extends ObjectSchema, K extends ToolKind> = z.ZodObject<{
  items: z.ZodArray<K extends 'create' ? z.ZodObject<I['shape'] & { idempotency_key: z.ZodString }> : I>;
}>;

/** The answer of a batch tool: `{ results: [...] }`, in input order. */
export type BatchOutput<V extends ObjectSchema> = z.ZodObject<{
  results: z.ZodArray<ReturnType<typeof itemResultSchema<V>>>;
}>;

/**
 * A batch tool's contract, for both sides: `defineBatchTool({ ...contract, handler })` on the server,
 * `callTool(client, contract, { items })` on the client.
 */
export function batchToolContract<
  const N extends string,
  I extends ObjectSchema,
  V extends ObjectSchema,
  K extends ToolKind,
>(spec: BatchContractSpec<I, V, K, N>): BatchToolContract<I, V, K, N> {
  const maxItems = spec.maxItems ?? DEFAULT_MAX_ITEMS;
  const items = z
    .array(itemArgumentsOf(spec.item, spec.kind))
    .min(1)
    .max(maxItems)
    .describe(
      `1 to ${maxItems} items; each is answered on its own, in this order` +
        (spec.kind === 'create' ? ', and carries its own idempotency_key' : ''),
    );
  return {
    name: spec.name,
    ...(spec.title === undefined ? {} : { title: spec.title }),
    description: spec.description,
    scopes: spec.scopes,
    kind: spec.kind,
    item: spec.item,
    value: spec.value,
    maxItems,
    input: z.object({ items }) as unknown as BatchInput<I, K>,
    output: z.object({
      results: z.array(itemResultSchema(spec.value)).describe('One result per item, in input order'),
    }) as BatchOutput<V>,
  };
}

function itemArgumentsOf(item: ObjectSchema, kind: ToolKind): ObjectSchema {
  return kind === 'create' ? item.extend({ [IDEMPOTENCY_KEY_FIELD]: idempotencyKeySchema }) : item;
}

/**
 * Defines a tool that takes up to `maxItems` records in one call and answers each in input order:
 * its value, or its own error envelope. An invalid item is answered `invalid_input` and the others
 * still run; for a create, each item carries its own `idempotency_key` with a single call's rules
 * (a repeat replays, other arguments under the same key are refused, a key in use is busy). The
 * call as a whole fails only when the request does (a vendor refusing or failing the whole batch).
 *
 * @example
 * const getInvoices = defineBatchTool({
 *   name: 'get_invoices', description: 'Look up to 100 invoices by id.', scopes: ['invoices:read'],
 *   kind: 'read', item: z.object({ id: z.string().describe('Invoice id') }),
 *   value: z.object({ amount_cents: z.number().describe('Amount in cents') }),
 *   handler: async (items) => lookUpMany(items.map((item) => item.id)),
 * });
 */
export function defineBatchTool<I extends ObjectSchema, V extends ObjectSchema, K extends ToolKind>(
  spec: BatchToolSpec<I, V, K>,
): ToolDefinition<BatchInput<I, K>, BatchOutput<V>, K> & {
  readonly batch: BatchSpec;
  readonly item: I;
  readonly value: V;
  readonly maxItems: number;
} {
  const contract = batchToolContract(spec);
  const batch: BatchSpec = {
    // The list items' own schema: what each item is parsed with.
    itemArguments: contract.input.shape.items.element as ObjectSchema,
    itemOutput: spec.value,
    maxItems: contract.maxItems,
    envelope: z.object({ items: z.array(z.unknown()).min(1).max(contract.maxItems) }),
    handler: spec.handler as BatchSpec['handler'],
    recover: spec.recover as BatchSpec['recover'],
  };
  return {
    ...contract,
    ...(spec.openWorld === undefined ? {} : { openWorld: spec.openWorld }),
    ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
    argumentsSchema: contract.input,
    annotations: toolAnnotations(spec.name, spec.title, spec.kind, spec.openWorld ?? false),
    handler: () => {
      throw new InternalError(`${spec.name} is a batch tool: the gate runs it item by item.`);
    },
    batch,
  };
}
