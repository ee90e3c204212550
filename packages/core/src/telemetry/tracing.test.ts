import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { captureLogs } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTool } from '../../test/fixtures.ts';
import { createServer } from '../server/createServer.ts';
import { injectIntoMeta, startTracing, type Tracing, tracingEnabled } from './tracing.ts';

const exporter = new InMemorySpanExporter();
let tracing: Tracing | undefined;
beforeAll(() => {
  tracing = startTracing({ serviceName: 'crm', exporter, simple: true });
});
afterAll(() => tracing?.shutdown());

const logs = captureLogs();
const server = createServer({
  name: 'traced',
  version: '1.0.0',
  tools: [probeTool],
  grantedScopes: ['probe:read'],
  secrets: ['sk_live_canary_0123456789'],
  log: { destination: logs.stream },
});
const principal = { id: 'agent', scopes: new Set(['probe:read']) };

describe('tracing', () => {
  it('is off unless asked for', () => {
    expect(startTracing({ serviceName: 'x' }, {})).toBeUndefined();
    expect(
      startTracing(
        { serviceName: 'x' },
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_TRACES_EXPORTER: 'none' },
      ),
    ).toBeUndefined();
    expect(tracingEnabled()).toBe(true);
  });

  it('makes one span per call, a child of the trace context the caller sent in _meta', async () => {
    exporter.reset();
    const parent = trace.getTracer('test').startSpan('account acme.com');
    const meta: Record<string, unknown> = {};
    injectIntoMeta(meta, trace.setSpan(context.active(), parent));
    expect(meta.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    await server.gate.call({ name: 'probe', arguments: { mode: 'ok' }, meta, principal });
    parent.end();

    const [span] = exporter.getFinishedSpans().filter((s) => s.name === 'tools/call probe');
    expect(span?.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span?.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'probe',
      'gen_ai.operation.name': 'execute_tool',
      'tollgate.attempt': 1,
    });
    expect(span?.attributes['error.type']).toBeUndefined();
    expect(logs.calls().at(-1)?.trace_id).toBe(parent.spanContext().traceId);
  });

  it('marks a failed call with error.type, and never puts arguments or secrets in a span', async () => {
    exporter.reset();
    await server.gate.call({
      name: 'probe',
      arguments: {
        mode: 'unavailable',
        text: 'sk_live_canary_0123456789',
        api_key: 'sk_live_canary_0123456789',
      },
      principal,
    });
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes['error.type']).toBe('upstream_unavailable');
    expect(span?.status.code).toBe(2);
    expect(
      JSON.stringify({ attributes: span?.attributes, events: span?.events, status: span?.status }),
    ).not.toContain('sk_live_canary');
  });
});
