import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Sql } from './sql.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's span in the gateway's trace (`traceparent`); the SQL it runs is traced under it. */
    traceContext?: Context;
  }
}

/**
 * One span and one log line per request, in the gateway's terms: the span continues the trace the
 * gateway's `traceparent` names, and once the door verified the signature, the request's logger
 * carries the signature's `rid` as `reqId` — the gateway's id for the request, its audit record's.
 * A request without verified claims (refused, or a public route) keeps Fastify's own id and says `signed: false`: a `rid` nobody
 * signed never names a line. Registered after the door, so its preHandler sees the verified claims.
 */
export const requestObservability = fp<{ subgraph: string }>(async (app, { subgraph }) => {
  const spans = new WeakMap<FastifyRequest, Span>();
  const tracer = trace.getTracer('govshare-subgraph');

  app.addHook('onRequest', async (request) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan('govshare.subgraph_request', { attributes: { 'govshare.subgraph': subgraph } }, parent);
    spans.set(request, span);
    request.traceContext = trace.setSpan(parent, span);
  });

  app.addHook('preHandler', async (request) => {
    const claims = request.gatewayClaims;
    if (!claims) return;
    request.log = app.log.child({ reqId: claims.rid });
    spans.get(request)?.setAttributes({ 'govshare.request_id': claims.rid, ...(claims.sub ? { 'govshare.department': claims.sub } : {}) });
  });

  app.addHook('onResponse', async (request, reply) => {
    const signed = request.gatewayClaims !== undefined;
    request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime, subgraph, ...(signed ? {} : { signed: false }) }, 'request completed');
    const span = spans.get(request);
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
});

/** `sql` whose statements run in the request's trace context (database.ts makes their spans). */
export function sqlInContext(sql: Sql, traceContext: Context | undefined): Sql {
  if (!traceContext || !trace.getSpan(traceContext)?.isRecording()) return sql;
  return {
    query: <R>(text: string, params?: readonly unknown[]) => context.with(traceContext, () => sql.query<R>(text, params)),
    exec: (script) => context.with(traceContext, () => sql.exec(script)),
  };
}
