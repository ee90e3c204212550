import { performance } from 'node:perf_hooks';
import { context } from '@opentelemetry/api';
import { toToolError } from '../../errors/ToolError.ts';
import { maskFields } from '../../redact/maskFields.ts';
import { endToolSpan, startToolSpan, tracingEnabled } from '../../telemetry/tracing.ts';
import type { CallContext, GateStep, Outcome } from '../CallContext.ts';
import { ARGUMENT_LIMITS, boundValue, CAUSE_LIMITS } from '../recordBounds.ts';

/**
 * The outermost step: the one boundary where anything thrown becomes a ToolError, and the one
 * place each call is recorded, as a single JSON event with secrets redacted — and, when tracing is
 * on, one span, a child of the trace context the caller sent in `_meta`.
 */
export const recordStep: GateStep = async (ctx, next) => {
  if (!tracingEnabled()) return record(ctx, next);
  const { span, context: spanContext } = startToolSpan(ctx.server, ctx.tool.definition.name, ctx.meta);
  ctx.traceId = span.spanContext().traceId;
  const outcome = await context.with(spanContext, () => record(ctx, next));
  endToolSpan(span, {
    errorCode: outcome.ok ? undefined : outcome.error.code,
    attributes: {
      'tollgate.call_id': ctx.callId,
      'tollgate.attempt': ctx.attempt,
      'tollgate.replayed': ctx.replayed,
      'tollgate.scope': ctx.scope,
    },
  });
  return outcome;
};

async function record(ctx: CallContext, next: () => Promise<Outcome>): Promise<Outcome> {
  const started = performance.now();
  let outcome: Outcome;
  try {
    outcome = await next();
  } catch (thrown) {
    outcome = { ok: false, error: toToolError(thrown, ctx.callId) };
  }
  const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
  const error = outcome.ok ? undefined : outcome.error;
  const loud =
    error !== undefined && (error.code === 'internal' || error.code === 'upstream_contract_violation');
  const level = loud ? 'error' : 'info';
  // A record below the logger's level is not written: it is not built either.
  if (!ctx.records.isLevelEnabled(level)) return outcome;
  // `event` and `server` are bound on the record logger. Only what callers and handlers supply
  // (arguments, error text, causes) can carry a secret, so only that is passed through the redactor,
  // and only that can be arbitrarily large, so only that is bounded: after redaction, see
  // recordBounds.ts. Keys the tool's schema drops are recorded by name, not by value.
  const { redactor } = ctx;
  const { sensitivePaths } = ctx.tool;
  const args = sensitivePaths.length === 0 ? ctx.rawArgs : maskFields(ctx.rawArgs, sensitivePaths).value;
  const marked = ctx.tool.markUnknownKeys(args);
  // Built field by field (same order as ever): conditional spreads in an object literal cost
  // about as much again as the rest of building the record.
  const event: Record<string, unknown> = {
    tool: ctx.tool.definition.name,
    call_id: ctx.callId,
    principal: redactor.string(ctx.principal.id),
  };
  if (ctx.principal.client !== undefined) event.client = redactor.string(ctx.principal.client);
  if (ctx.principal.subject !== undefined) event.subject = redactor.string(ctx.principal.subject);
  event.args = boundValue(redactor.value(marked.value), ARGUMENT_LIMITS);
  event.latency_ms = latencyMs;
  event.outcome = error?.code ?? 'ok';
  event.retryable = error?.retryable ?? false;
  event.replayed = ctx.replayed;
  event.attempt = ctx.attempt;
  event.scope = ctx.scope;
  if (marked.unknown.length > 0) {
    event.unknown_keys = boundValue(redactor.value(marked.unknown.slice(0, 20)), ARGUMENT_LIMITS);
  }
  if (ctx.batch !== undefined) event.items = itemCounts(ctx);
  if (ctx.traceId !== undefined) event.trace_id = ctx.traceId;
  if (error !== undefined) {
    event.error = boundValue(
      redactor.value({ message: error.message, details: error.details }),
      CAUSE_LIMITS,
    );
    if (error.cause !== undefined) {
      const cause = error.cause instanceof Error ? error.cause.stack : error.cause;
      event.cause = boundValue(redactor.value(cause), CAUSE_LIMITS);
    }
  }
  ctx.records.write(level, event, loud ? 'tools/call failed' : 'tools/call');
  return outcome;
}

/** A batch call's items by how they ended: the record's `outcome` is the call's, these are its items'. */
function itemCounts(ctx: CallContext): Record<string, unknown> {
  const failed: Record<string, number> = {};
  let ok = 0;
  let replayed = 0;
  for (const item of ctx.batch ?? []) {
    if (item.outcome?.ok === true) {
      ok++;
      if (item.replayed) replayed++;
    } else if (item.outcome !== undefined) {
      failed[item.outcome.error.code] = (failed[item.outcome.error.code] ?? 0) + 1;
    }
  }
  return { total: ctx.batch?.length ?? 0, ok, replayed, failed };
}
