import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, propagation, trace } from '@opentelemetry/api';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostSubgraphs, type HostedSubgraph } from '../subgraphs/kit/index.ts';
import { SAMPLE_SUBGRAPHS } from '../subgraphs/samples.ts';
import { startTelemetry, type Telemetry } from '../protocol/telemetry.ts';
import { openTestDatabase, type TestDatabase } from './support/databases.ts';
import { REPO_ROOT, TEST_SAMPLE } from './support/sample.ts';
import { freePort } from './support/ports.ts';
import { spawnScript, waitFor, type Spawned } from './support/processes.ts';
import { spawnedGatewayJwks } from './support/keys.ts';
import { as } from './support/tokens.ts';
import { parse } from 'yaml';

const ZHANG = '43010219850312123X';
const PURPOSE = '最低生活保障复核-观测测试';
const QUERY = 'query Lookup($id: ID!) { person(idNumber: $id) { name gender } }';

interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: Array<{ key: string; value: Record<string, unknown> }> }
interface OtlpBody { resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> }

/** A tiny OTLP/HTTP receiver: records the JSON bodies POSTed to /v1/traces. */
function otlpReceiver(): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => { text += chunk; });
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') bodies.push(text);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    resolve({ server, url: `http://127.0.0.1:${port}`, bodies });
  }));
}

/** Every span received, with the service that sent it. */
function spansOf(bodies: string[]): Array<OtlpSpan & { service: string; attr: Record<string, unknown> }> {
  const spans: Array<OtlpSpan & { service: string; attr: Record<string, unknown> }> = [];
  for (const text of bodies) {
    for (const rs of (JSON.parse(text) as OtlpBody).resourceSpans ?? []) {
      const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          const attr = Object.fromEntries((span.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
          spans.push({ ...span, service, attr });
        }
      }
    }
  }
  return spans;
}

const jsonLines = (text: string) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('logs, traces and metrics share one request id', () => {
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let telemetry: Telemetry | null;
  let database: TestDatabase;
  let subgraphs: HostedSubgraph[];
  let gateway: Spawned;
  let base: string;
  const subgraphLines: string[] = [];
  let token: Record<string, string>;

  beforeAll(async () => {
    receiver = await otlpReceiver();
    // The subgraphs run here, with the SDK started as subgraphs/main.ts starts it; the gateway is main.ts itself.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    telemetry = await startTelemetry({ ...process.env, OTEL_BSP_SCHEDULE_DELAY: '100' }, 'govshare-subgraphs');
    database = await openTestDatabase('pglite');
    subgraphs = await hostSubgraphs({
      definitions: SAMPLE_SUBGRAPHS, db: database.db, sample: TEST_SAMPLE, gatewayKeys: { jwks: await spawnedGatewayJwks() },
      ports: Object.fromEntries(SAMPLE_SUBGRAPHS.map((d) => [d.name, 0])),
      logDestination: { write: (line) => { subgraphLines.push(line); } },
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    gateway = spawnScript('gateway/main.ts', [], {
      GATEWAY_PORT: String(port), GOVSHARE_SUBGRAPHS: subgraphs.map((s) => `${s.name}=${s.url}`).join(','),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100', LOG_LEVEL: 'info',
    });
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, 60_000, 'gateway /readyz');
    token = await as('civil-affairs', { purpose: PURPOSE, operator: '李四-007' });
  }, 120_000);

  afterAll(async () => {
    await gateway?.kill();
    await Promise.all((subgraphs ?? []).map((s) => s.app.close()));
    await telemetry?.shutdown();
    // The SDK made itself this process's tracer, context manager and propagator; the suites after this one run in the same process.
    trace.disable(); context.disable(); propagation.disable();
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    await database?.dispose();
    receiver?.server.close();
  });

  it('one query: its log lines, audit record, subgraph signature and trace carry one id, and no secret or value', async () => {
    // A client's own x-request-id is not taken: the id is the gateway's.
    const response = await fetch(`${base}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'attacker-chosen-id', ...token },
      body: JSON.stringify({ query: QUERY, variables: { id: ZHANG }, operationName: 'Lookup' }),
    });
    const body = await response.json() as { data?: { person?: { name?: string } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.person?.name).toBeTruthy();
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestId).not.toBe('attacker-chosen-id');

    // The same values in a GET: its query string (with the ID number) must not reach a log line either.
    const get = await fetch(`${base}/graphql?query=${encodeURIComponent(QUERY)}&variables=${encodeURIComponent(JSON.stringify({ id: ZHANG }))}`, { headers: token });
    expect(get.status).toBe(200);

    // The audit record (CONTRACT §6) has that id.
    const audit = await fetch(`${base}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...token },
      body: JSON.stringify({ query: '{ auditLog(first: 50) { records { requestId operationName decision } } }' }),
    });
    const records = ((await audit.json()) as { data: { auditLog: { records: Array<{ requestId: string; operationName: string }> } } }).data.auditLog.records;
    expect(records.filter((r) => r.requestId === requestId).map((r) => r.operationName)).toEqual(['Lookup']);
    expect(records.some((r) => r.requestId === 'attacker-chosen-id')).toBe(false);

    // The gateway's JSON lines for the request carry it as reqId.
    await waitFor(async () => jsonLines(gateway.output()).some((l) => l.reqId === requestId && l.msg === 'request completed'), 5000, 'the gateway\'s request line');
    const gatewayLines = jsonLines(gateway.output()).filter((l) => l.reqId === requestId);
    // One line per request, once it is answered: method, path (never the query string), status and time.
    const requestLines = gatewayLines.filter((l) => l.msg === 'request completed' || l.msg === 'incoming request');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ msg: 'request completed', req: { method: 'POST', url: '/graphql' }, res: { statusCode: 200 } });
    expect(typeof requestLines[0]!.responseTime).toBe('number');
    // The subgraph's line names the same id: the verified signature's rid.
    const population = jsonLines(subgraphLines.join('\n')).filter((l) => l.subgraph === 'population' && l.msg === 'request completed');
    expect(population.some((l) => l.reqId === requestId)).toBe(true);

    // One trace: the gateway's request span, Apollo's, the subgraph's request and its SQL.
    let spans = spansOf(receiver.bodies);
    await waitFor(async () => {
      spans = spansOf(receiver.bodies);
      const root = spans.find((s) => s.name === 'govshare.request' && s.attr['govshare.request_id'] === requestId);
      return Boolean(root && spans.some((s) => s.traceId === root.traceId && s.name === 'sql' && s.service === 'govshare-subgraphs'));
    }, 10_000, 'the gateway and subgraph spans of the request');
    const root = spans.find((s) => s.name === 'govshare.request' && s.attr['govshare.request_id'] === requestId)!;
    expect(root.service).toBe('govshare-gateway');
    expect(root.attr).toMatchObject({ 'govshare.department': 'civil-affairs', 'graphql.operation.name': 'Lookup', 'govshare.decision': 'ALLOWED' });
    expect(root.attr['govshare.resources']).toEqual({ values: [{ stringValue: 'POP-PERSON' }] });
    const trace = spans.filter((s) => s.traceId === root.traceId);
    const names = new Set(trace.map((s) => s.name));
    for (const name of ['gateway.request', 'gateway.fetch', 'govshare.subgraph_call', 'govshare.subgraph_request', 'sql']) expect(names).toContain(name);
    const call = trace.find((s) => s.name === 'govshare.subgraph_call' && s.attr['govshare.subgraph'] === 'population')!;
    const served = trace.find((s) => s.name === 'govshare.subgraph_request' && s.service === 'govshare-subgraphs')!;
    // The subgraph's span is the child of the gateway's call: traceparent crossed the wire.
    expect(served.parentSpanId).toBe(call.spanId);
    expect(served.attr).toMatchObject({ 'govshare.subgraph': 'population', 'govshare.department': 'civil-affairs', 'govshare.request_id': requestId });

    // Nothing secret and no value anywhere: not the token, the purpose, the operator, the ID number.
    const bearer = token.authorization!.replace(/^Bearer /, '');
    const everything = [gateway.output(), subgraphLines.join(''), ...receiver.bodies].join('\n');
    for (const secret of [bearer, PURPOSE, '李四-007', ZHANG]) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/x-govshare-signature"?\s*:\s*"ey/i);
    // The GET's line logs its path only.
    expect(jsonLines(gateway.output()).some((l) => (l.req as { url?: string } | undefined)?.url === '/graphql')).toBe(true);
  }, 60_000);

  it('/metrics: process metrics beside the gateway\'s, denials by code, and every series the Grafana dashboard queries', async () => {
    const refused = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY, variables: { id: ZHANG } }) });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^govshare_gateway_denials_total\{code="UNAUTHENTICATED"\} [1-9]/m);
    expect(metrics).toMatch(/^govshare_gateway_subgraph_call_seconds_count\{subgraph="population"\} [1-9]/m);
    expect(metrics).toMatch(/^govshare_gateway_audit_write_seconds_count [1-9]/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes [1-9]/m);

    const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'docker/grafana/govshare-dashboard.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(6);
    const series = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) for (const name of expr.match(/\b(?:govshare|process|nodejs)_[a-z0-9_]+/g) ?? []) series.add(name);
    }
    for (const name of ['govshare_gateway_requests_total', 'govshare_gateway_denials_total', 'govshare_gateway_audit_write_seconds_bucket',
      'govshare_gateway_subgraph_call_seconds_bucket', 'process_cpu_seconds_total', 'process_resident_memory_bytes']) expect(series).toContain(name);
    for (const name of series) expect(metrics, `the dashboard queries ${name}`).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
    // The alerting rules (docker/prometheus) name only series the gateway serves; the chain's among them.
    const rules = parse(readFileSync(join(REPO_ROOT, 'docker/prometheus/govshare-alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    const alerted = rules.groups.flatMap((g) => g.rules);
    expect(alerted.map((r) => r.alert)).toContain('GovshareAuditChainBroken');
    for (const rule of alerted) {
      for (const name of rule.expr.match(/\bgovshare_[a-z0-9_]+/g) ?? []) expect(metrics, `${rule.alert} uses ${name}`).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
    }
    // The subgraph host serves the process metrics too.
    const subgraphMetrics = await (await fetch(subgraphs[0]!.url.replace('/graphql', '/metrics'))).text();
    expect(subgraphMetrics).toMatch(/^process_resident_memory_bytes [1-9]/m);
  }, 30_000);
});
