import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/**
 * Tracing follows the OpenTelemetry MCP semantic conventions: one span per tools/call named
 * `tools/call <tool>`, with `mcp.method.name`, `gen_ai.tool.name`, `gen_ai.operation.name` and
 * `error.type`, and the W3C trace context carried in `params._meta` (`traceparent`, `tracestate`),
 * so one account's work is one trace across the orchestrator and every server.
 *
 * Spans carry names, ids, codes and counts, never arguments or results: those can hold personal
 * data and secrets, and the call record (redacted) is where they belong.
 */
export const TRACER_NAME = '@tollgate/core';

let enabled = false;

/** True once `startTracing` registered a provider; the gate skips all span work otherwise. */
export function tracingEnabled(): boolean {
  return enabled;
}

export interface Tracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** `service.name` of every span. */
  serviceName: string;
  /** Where spans go. Default: OTLP over HTTP, configured by the standard `OTEL_EXPORTER_OTLP_*` variables. */
  exporter?: SpanExporter;
  /** Export each span as it ends instead of in batches (tests). */
  simple?: boolean;
}

/**
 * Registers the process-wide tracer provider when tracing is asked for: with an explicit exporter,
 * or when `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set and
 * `OTEL_TRACES_EXPORTER` is not `none`. Otherwise returns undefined and tracing costs nothing.
 */
export function startTracing(
  options: TracingOptions,
  env: NodeJS.ProcessEnv = process.env,
): Tracing | undefined {
  const wanted =
    options.exporter !== undefined ||
    (env.OTEL_TRACES_EXPORTER !== 'none' &&
      Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT));
  if (!wanted) return undefined;
  const exporter = options.exporter ?? new OTLPTraceExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [
      options.simple
        ? new SimpleSpanProcessor({ exporter })
        : new BatchSpanProcessor({ exporter, ...batchOptions(env) }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  enabled = true;
  return {
    shutdown: async () => {
      enabled = false;
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** The standard `OTEL_BSP_*` settings, which the 2.x span processor no longer reads itself. */
function batchOptions(env: NodeJS.ProcessEnv) {
  const read = (name: string) => {
    const value = Number(env[name]);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const options = {
    scheduledDelayMillis: read('OTEL_BSP_SCHEDULE_DELAY'),
    exportTimeoutMillis: read('OTEL_BSP_EXPORT_TIMEOUT'),
    maxQueueSize: read('OTEL_BSP_MAX_QUEUE_SIZE'),
    maxExportBatchSize: read('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

const metaGetter: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

const metaSetter: TextMapSetter<Record<string, unknown>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** The trace context a client put in `params._meta`. */
export function contextFromMeta(meta: Readonly<Record<string, unknown>>): Context {
  return propagation.extract(context.active(), meta, metaGetter);
}

/** Writes the active trace context into a request's `_meta` (client side). */
export function injectIntoMeta(meta: Record<string, unknown>, from: Context = context.active()): void {
  propagation.inject(from, meta, metaSetter);
}

/** Starts the span of one tools/call on the server side, as a child of the caller's context. */
export function startToolSpan(
  server: string,
  tool: string,
  meta: Readonly<Record<string, unknown>>,
): { span: Span; context: Context } {
  const parent = contextFromMeta(meta);
  const span = trace.getTracer(TRACER_NAME).startSpan(
    `tools/call ${tool}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': tool,
        'gen_ai.operation.name': 'execute_tool',
        'tollgate.server': server,
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a tool span with its outcome: an error code becomes `error.type` and an error status. */
export function endToolSpan(
  span: Span,
  outcome: { errorCode?: string | undefined; attributes: Record<string, string | number | boolean> },
): void {
  span.setAttributes(outcome.attributes);
  if (outcome.errorCode !== undefined) {
    span.setAttribute('error.type', outcome.errorCode);
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.errorCode });
  }
  span.end();
}

/**
 * The client side of a tools/call: a CLIENT span, and the `_meta` fields that make the server's
 * span its child. With tracing off, no span and no fields.
 */
export function startClientToolSpan(
  server: string,
  tool: string,
  attempt: number,
  /** More of the caller's own, such as the accounts a batch call carries. */
  attributes: Attributes = {},
): { meta: Record<string, unknown>; end(errorCode?: string): void } {
  if (!enabled) return { meta: {}, end: () => {} };
  const span = trace.getTracer(TRACER_NAME).startSpan(`tools/call ${tool}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      ...attributes,
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': tool,
      'gen_ai.operation.name': 'execute_tool',
      'tollgate.server': server,
      'tollgate.attempt': attempt,
    },
  });
  const meta: Record<string, unknown> = {};
  injectIntoMeta(meta, trace.setSpan(context.active(), span));
  return {
    meta,
    end: (errorCode) => endToolSpan(span, { errorCode, attributes: {} }),
  };
}

/** Runs `work` inside an INTERNAL span (e.g. one account of a run), so calls it makes nest under it. */
export async function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  if (!enabled) return work();
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } finally {
      span.end();
    }
  });
}
