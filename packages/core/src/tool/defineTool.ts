import type { ToolAnnotations } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { Queryable } from '../store/Database.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { BatchSpec } from './defineBatchTool.ts';
import type { ToolContract } from './toolContract.ts';

/**
 * What a tool does to the world, which decides its MCP annotations and its idempotency rules:
 * - `read` changes nothing;
 * - `upsert` writes a record keyed by a stable natural id, so repeating it leaves one record;
 * - `create` adds something new and therefore requires a caller-supplied `idempotency_key`.
 */
export type ToolKind = 'read' | 'upsert' | 'create';

/** Who is calling, and what they may do. */
export interface Principal {
  /**
   * Whose calls these are: idempotency keys are kept per principal, and call records name it. Over
   * HTTP with tokens it is (client, subject) — see `principalOf` — so two users of one OAuth client
   * never share keys.
   */
  readonly id: string;
  readonly scopes: ReadonlySet<string>;
  /** The OAuth client, when a token said. */
  readonly client?: string;
  /** The user or service the token acts for, when a token said and it is not the client itself. */
  readonly subject?: string;
}

/**
 * The principal of a verified token: the client, and the subject when it is someone other than the
 * client (a user of an app; for client-credentials tokens the subject is usually the client). The
 * id is `client`, or `client/subject`, each part percent-encoded so no two pairs share an id.
 */
export function principalOf(
  client: string,
  subject: string | undefined,
  scopes: ReadonlySet<string>,
): Principal {
  const person = subject !== undefined && subject !== client ? subject : undefined;
  return {
    id:
      person === undefined
        ? encodeURIComponent(client)
        : `${encodeURIComponent(client)}/${encodeURIComponent(person)}`,
    scopes,
    client,
    ...(person === undefined ? {} : { subject: person }),
  };
}

/** What a handler receives besides its parsed input. */
export interface ToolContext {
  readonly callId: string;
  readonly principal: Principal;
  /** Aborted at the deadline or when the client cancels; pass it to every upstream call. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds by which the handler must have answered. */
  readonly deadline: number;
  /** The caller's attempt number for this logical call (1 for the first try). */
  readonly attempt: number;
  readonly logger: Logger;
  /**
   * The server's store, when it has one. For a `create` tool whose effect is local (no `recover`),
   * the transaction in which the effect and its idempotency record commit together: write the
   * effect through it. On a server without a store, reading it throws.
   */
  readonly db: Queryable;
}

export type ObjectSchema = z.ZodObject<z.ZodRawShape>;

type KeyField = { idempotency_key: string };

/** The parsed input a handler receives: the input schema's output, plus the key for creates. */
export type ToolInput<I extends ObjectSchema, K extends ToolKind> = z.output<I> &
  (K extends 'create' ? KeyField : unknown);

/** A tool as a server defines it: its contract (see `toolContract`), and how it runs. */
export interface ToolSpec<I extends ObjectSchema, O extends ObjectSchema, K extends ToolKind>
  extends ToolContract<I, O, K> {
  /** True when the tool reaches systems outside the server's own store (a vendor API). Default false. */
  openWorld?: boolean;
  /** The handler's deadline. Default: the server's `defaultTimeoutMs`. */
  timeoutMs?: number;
  handler(input: ToolInput<I, K>, ctx: ToolContext): Promise<z.input<O>> | z.input<O>;
  /**
   * For `create` tools whose effect lives upstream (not in `ctx.db`): find the effect of an earlier
   * attempt with the same key (e.g. by a property holding the key). Called when a previous attempt
   * timed out or its lease expired; return undefined when nothing was made, and the handler runs.
   */
  recover?: ((input: ToolInput<I, K>, ctx: ToolContext) => Promise<z.input<O> | undefined>) | undefined;
}

export interface ToolDefinition<
  I extends ObjectSchema = ObjectSchema,
  O extends ObjectSchema = ObjectSchema,
  K extends ToolKind = ToolKind,
> extends ToolSpec<I, O, K> {
  /** The schema a call's arguments are parsed with: `input`, plus `idempotency_key` for creates. */
  readonly argumentsSchema: ObjectSchema;
  readonly annotations: Required<Omit<ToolAnnotations, 'title'>> & { title: string };
  /** Set for a batch tool (`defineBatchTool`): the gate parses, keys and answers each item on its own. */
  readonly batch?: BatchSpec;
}

export const IDEMPOTENCY_KEY_FIELD = 'idempotency_key';

export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .describe(
    'A key you choose for this one logical create, 1-255 characters. Retrying with the same key and ' +
      'arguments returns the first result instead of creating a duplicate; a new request needs a new key.',
  );

/**
 * Annotations follow from the kind alone so no tool can claim to be safer than it is.
 * An upsert may overwrite fields of an existing record, so it is destructive; a create only adds,
 * and with a server-enforced idempotency key, repeating it has no further effect.
 */
function annotationsFor(kind: ToolKind, openWorld: boolean) {
  switch (kind) {
    case 'read':
      return { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: openWorld };
    case 'upsert':
      return { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: openWorld };
    case 'create':
      return { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: openWorld };
  }
}

/** A tool's annotations: its title, and hints that follow from its kind. */
export function toolAnnotations(name: string, title: string | undefined, kind: ToolKind, openWorld: boolean) {
  return { title: title ?? titleFrom(name), ...annotationsFor(kind, openWorld) };
}

/** `get_account` → "Get account", `crm.list-owners` → "Crm list owners". */
function titleFrom(name: string): string {
  const words = name
    .split(/[_.-]+/)
    .filter(Boolean)
    .join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Defines a tool for the gate. Input and output are zod object schemas; the handler's types come
 * from them. Structural checks (scopes, descriptions) run when the server starts.
 *
 * @example
 * const getAccount = defineTool({
 *   name: 'get_account', title: 'Get account', description: 'Look up an account by domain.',
 *   scopes: ['accounts:read'], kind: 'read',
 *   input: z.object({ domain: z.string().describe('Company domain, e.g. acme.com') }),
 *   output: z.object({ name: z.string().nullable().describe('Company name') }),
 *   handler: async ({ domain }) => ({ name: await lookup(domain) }),
 * });
 */
export function defineTool<I extends ObjectSchema, O extends ObjectSchema, K extends ToolKind>(
  spec: ToolSpec<I, O, K>,
): ToolDefinition<I, O, K> {
  const argumentsSchema =
    spec.kind === 'create'
      ? spec.input.extend({ [IDEMPOTENCY_KEY_FIELD]: idempotencyKeySchema })
      : spec.input;
  return {
    ...spec,
    argumentsSchema,
    annotations: toolAnnotations(spec.name, spec.title, spec.kind, spec.openWorld ?? false),
  };
}
