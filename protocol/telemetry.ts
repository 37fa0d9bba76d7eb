import { context, propagation, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * OpenTelemetry traces: the code uses `@opentelemetry/api` alone (a no-op until an SDK is registered);
 * `startTelemetry` registers the SDK only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, exporting OTLP/HTTP
 * JSON there (`/v1/traces`), with W3C `traceparent` propagation. `@apollo/gateway` emits its own spans
 * (`gateway.request`, `gateway.plan`, `gateway.fetch`…) through the same API. Span attributes name
 * departments, resources, subgraphs and operation names, never a value, a variable or a purpose text.
 */
export interface Telemetry { shutdown(): Promise<void> }

export async function startTelemetry(env: NodeJS.ProcessEnv, serviceName: string): Promise<Telemetry | null> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()) return null;
  // Loaded only when used: a deployment without a collector never loads the SDK.
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'), import('@opentelemetry/exporter-trace-otlp-http'), import('@opentelemetry/resources'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || serviceName }),
    // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT / _TRACES_ENDPOINT / _HEADERS itself.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: Number(env.OTEL_BSP_SCHEDULE_DELAY) || 1000 })],
  });
  // The AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  return { shutdown: () => provider.shutdown() };
}

const tracer = () => trace.getTracer('govshare');

/** Runs `work` inside a span named `name`, ending it (with the error's class, not its message) however `work` ends. */
export async function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      // The message may quote a value (a provider's error): only the kind of failure goes into the trace.
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.name ?? 'Error' });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active trace as W3C headers (`traceparent`, `tracestate`) for a call to a subgraph; none without an SDK. */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/** Runs `work` in the trace context a caller's `traceparent` names (the subgraph host's side). */
export function withRemoteParent<T>(headers: Record<string, string | string[] | undefined>, work: () => T): T {
  return context.with(propagation.extract(context.active(), headers), work);
}

/**
 * A span for work done on behalf of a traced request (an SQL statement), or none: outside a trace
 * (start-up, seeding, housekeeping) a span would only start a trace of its own for every statement.
 */
export function inChildSpan<T>(name: string, attributes: Attributes | (() => Attributes), work: () => Promise<T>): Promise<T> {
  if (!trace.getActiveSpan()) return work();
  // Attributes as a function: computed only when there is a trace to record them in (every SQL statement passes here).
  return inSpan(name, typeof attributes === 'function' ? attributes() : attributes, work);
}

/** The first keyword of a statement (`SELECT`, `WITH`, `INSERT`…): what a span says of SQL, never its text or parameters. */
export function sqlOperation(text: string): string {
  return /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
}
