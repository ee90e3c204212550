/** `@tollgate/core/telemetry`: logs, traces and the redaction every record passes. */
export { MIN_SECRET_LENGTH, REDACTED, Redactor } from '../redact/Redactor.ts';
export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export { inSpan, startTracing, type Tracing, type TracingOptions, tracingEnabled } from './tracing.ts';
