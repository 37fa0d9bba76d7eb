import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';
import { spawnScript, waitFor, type Spawned } from '../support/processes.ts';
import { as } from '../support/tokens.ts';
import { since, startSubgraphProcess, type SubgraphProcess } from './support.ts';

/** Writes requests onto one kept-alive connection, the second only when told; collects what comes back. */
function keptAliveConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => { received += chunk.toString('utf8'); });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  return {
    send: (text: string) => socket.write(text),
    received: () => received,
    closed,
  };
}

describe('SIGTERM drains: requests in flight finish, the process exits within the bound', () => {
  const DRAIN_MS = 8_000;
  let weather: SubgraphProcess;
  let gateway: Spawned;
  let port: number;
  beforeAll(async () => {
    // Every answer takes 1.5 s: requests are still in flight when the signal comes.
    weather = await startSubgraphProcess({ name: 'weather', provider: 'housing', delayMs: 1_500 });
    port = await freePort();
    gateway = spawnScript('gateway/main.ts', [], {
      GATEWAY_PORT: String(port), GOVSHARE_SUBGRAPHS: `weather=${weather.url}`, GOVSHARE_DRAIN_MS: String(DRAIN_MS),
    });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000, 'gateway ready');
  });
  afterAll(async () => {
    await gateway?.kill();
    await weather?.kill();
  });

  it('32 requests in flight at SIGTERM all get their data; a request on a kept-alive socket meanwhile gets /readyz 503; exit 0 within the drain bound', async () => {
    const auth = await as('tax');
    const body = JSON.stringify({ query: '{ weather { text } }' });
    const inFlight = Array.from({ length: 32 }, () => fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body,
    }).then(async (r) => ({ status: r.status, body: await r.json() as any }), (error: Error) => ({ status: 0, body: { error: String(error.cause ?? error) } })));
    // One more on a raw kept-alive connection: its second request is written only after the signal.
    const raw = keptAliveConnection(port);
    raw.send(`POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: ${auth.authorization}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const signalled = performance.now();
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    raw.send('GET /readyz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
    // No new connection is accepted from the first moment.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    const results = await Promise.all(inFlight);
    const failed = results.filter((r) => r.status !== 200 || r.body.data?.weather?.text !== 'hello from weather');
    expect(failed).toEqual([]);
    const code = await gateway.exited;
    const exitedAfter = since(signalled);
    console.log(`[drain] 32 in flight at SIGTERM: ${32 - failed.length} answered with data, ${failed.length} failed; exit ${code} ${exitedAfter} ms after the signal (bound ${DRAIN_MS} ms)`);
    expect(code).toBe(0);
    expect(exitedAfter).toBeLessThan(DRAIN_MS);

    await raw.closed;
    const answers = raw.received().split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(answers[0]).toContain('hello from weather');
    // The request that arrived during the drain: answered (not cut, not Fastify's bare 503), and told to close the connection.
    expect(answers[1]).toMatch(/^HTTP\/1\.1 503/);
    expect(answers[1]).toContain('shutting down');
    expect(answers[1]!.toLowerCase()).toContain('connection: close');
  });
});
