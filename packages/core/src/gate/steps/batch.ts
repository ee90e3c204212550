import { InternalError, isToolError, UpstreamContractViolationError } from '../../errors/ToolError.ts';
import { maskFields } from '../../redact/maskFields.ts';
import type { BatchSpec } from '../../tool/defineBatchTool.ts';
import type { ToolContext } from '../../tool/defineTool.ts';
import type { BatchItem, CallContext, GateStep, Outcome } from '../CallContext.ts';
import { errorEnvelope } from '../toCallToolResult.ts';
import { withDeadline } from './execute.ts';
import { refuse, summarizeIssues, unstorableStrings } from './input.ts';

function batchOf(ctx: CallContext): BatchSpec {
  const { batch } = ctx.tool.definition;
  if (batch === undefined) throw new InternalError(`${ctx.tool.definition.name} is not a batch tool.`);
  return batch;
}

/**
 * A batch call's arguments: the list as a whole first (1 to maxItems objects, else the call is
 * refused), then each item on its own, so one bad item is answered `invalid_input` and the rest run.
 * On the way back, every item's answer in input order: `{ results: [...] }`.
 */
export const batchInputStep: GateStep = async (ctx, next) => {
  const batch = batchOf(ctx);
  const { definition, sensitivePaths } = ctx.tool;
  ctx.redactor = ctx.redactor.with(maskFields(ctx.rawArgs, sensitivePaths).hidden);
  const unstorable = unstorableStrings(ctx.rawArgs);
  if (unstorable.length > 0) return refuse(definition.name, unstorable);
  const envelope = batch.envelope.safeParse(ctx.rawArgs);
  if (!envelope.success) return refuse(definition.name, summarizeIssues(envelope.error.issues));
  ctx.batch = envelope.data.items.map((raw, index): BatchItem => {
    const parsed = batch.itemArguments.safeParse(raw);
    if (parsed.success) return { input: parsed.data, outcome: undefined, replayed: false, recovering: false };
    const issues = summarizeIssues(parsed.error.issues).map((issue) => ({
      path: issue.path === '(root)' ? `items.${index}` : `items.${index}.${issue.path}`,
      message: issue.message,
    }));
    return { input: undefined, outcome: refuse(definition.name, issues), replayed: false, recovering: false };
  });
  ctx.input = { items: ctx.batch.map((item) => item.input) };
  const outcome = await next();
  if (!outcome.ok) return outcome;
  // Rendered here, last: the idempotency step may still change an item (a lost lease, a repeat).
  const items = ctx.batch;
  const answered = items.filter((item) => item.outcome !== undefined);
  ctx.replayed = answered.length > 0 && answered.every((item) => item.replayed);
  return { ok: true, output: { results: items.map((item) => render(ctx, item)) } };
};

/**
 * Runs the handler on the items still unanswered, with the tool's deadline, and checks each value
 * against the item schema. Nothing to run: no handler call. The input step renders the answers.
 */
export const batchExecuteStep: GateStep = async (ctx) => {
  const batch = batchOf(ctx);
  const items = ctx.batch ?? [];
  const pending = items.filter((item) => item.outcome === undefined && item.input !== undefined);
  if (pending.length > 0) {
    await withDeadline(ctx, async (handlerContext) => {
      // Items that took over an unfinished key look for their effects first, all in one lookup.
      const recovering = batch.recover === undefined ? [] : pending.filter((item) => item.recovering);
      if (recovering.length > 0) {
        const found = await recoverAll(ctx, batch, recovering, handlerContext);
        recovering.forEach((item, i) => {
          const answer = found[i];
          if (answer === undefined) return; // never made: it runs with the others
          // The lookup of this item's earlier effect failed: that item's answer, not the call's.
          item.outcome = isToolError(answer) ? { ok: false, error: answer } : checked(ctx, batch, answer);
        });
      }
      const toRun = pending.filter((item) => item.outcome === undefined);
      if (toRun.length === 0) return;
      const answers = await batch.handler(
        toRun.map((item) => item.input as Record<string, unknown>),
        handlerContext,
      );
      if (answers.length !== toRun.length) {
        throw new InternalError(
          `${ctx.tool.definition.name} answered ${answers.length} results for ${toRun.length} items.`,
        );
      }
      toRun.forEach((item, i) => {
        const answer = answers[i];
        item.outcome = isToolError(answer) ? { ok: false, error: answer } : checked(ctx, batch, answer);
      });
    });
  }
  return { ok: true, output: {} };
};

/**
 * The tool's lookup of the recovering items' earlier effects: one answer per item. A classified
 * failure of the lookup as a whole is every one of these items' answer (the others still run);
 * anything else, or an answer of the wrong length, fails the call.
 */
async function recoverAll(
  ctx: CallContext,
  batch: BatchSpec,
  items: readonly BatchItem[],
  handlerContext: ToolContext,
): Promise<ReadonlyArray<unknown>> {
  const recover = batch.recover as NonNullable<BatchSpec['recover']>;
  let answers: ReadonlyArray<unknown>;
  try {
    answers = await recover(
      items.map((item) => item.input as Record<string, unknown>),
      handlerContext,
    );
  } catch (error) {
    if (!isToolError(error)) throw error;
    return items.map(() => error);
  }
  if (!Array.isArray(answers) || answers.length !== items.length) {
    throw new InternalError(
      `${ctx.tool.definition.name}'s recovery answered ${Array.isArray(answers) ? answers.length : 'no list of'} results for ${items.length} items.`,
    );
  }
  return answers;
}

/** One item's value against the item schema: nothing half-valid leaves the server. */
function checked(ctx: CallContext, batch: BatchSpec, value: unknown): Outcome {
  const parsed = batch.itemOutput.safeParse(value);
  if (parsed.success) return { ok: true, output: parsed.data };
  return {
    ok: false,
    error: new UpstreamContractViolationError(
      `${ctx.tool.definition.name} produced an item that does not match its output schema.`,
      { details: { issues: summarizeIssues(parsed.error.issues) } },
    ),
  };
}

function render(ctx: CallContext, item: BatchItem): Record<string, unknown> {
  const outcome: Outcome = item.outcome ?? {
    ok: false,
    error: new InternalError('This item was not answered.'),
  };
  if (outcome.ok) return { ok: true, value: outcome.output, ...(item.replayed ? { replayed: true } : {}) };
  return { ok: false, error: errorEnvelope(outcome.error, ctx.callId).error };
}
