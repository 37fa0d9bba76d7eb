import { afterEach, describe, expect, it } from 'vitest';
import { startPlainSubgraph, type PlainSubgraph } from './support/plain-subgraph.ts';
import { freePort } from './support/ports.ts';
import { spawnScript, waitFor, type Spawned } from './support/processes.ts';
import { as } from './support/tokens.ts';

const VALID = `
  type Query { hello: Greeting @share(type: UNCONDITIONAL) }
  type Greeting @resource(code: "HELLO", name: "问候", category: DEPARTMENT, provider: "tax", updateCycle: "实时") {
    text: String @share(type: UNCONDITIONAL)
  }`;

describe('gateway start-up (npm run start:gateway)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => { for (const c of cleanups.splice(0)) await c(); });
  const track = <T extends Spawned | PlainSubgraph>(x: T): T => {
    cleanups.push(() => ('kill' in x ? x.kill() : x.close()));
    return x;
  };

  it('exits non-zero naming the subgraph, the rule and the coordinate when composition fails', async () => {
    const broken = track(await startPlainSubgraph(VALID.replace('text: String @share(type: UNCONDITIONAL)', 'text: String'),
      { Query: { hello: () => ({ text: 'hi' }) } }));
    const gateway = track(spawnScript('gateway/main.ts', [], {
      GATEWAY_PORT: String(await freePort()), GOVSHARE_SUBGRAPHS: `greetings=${broken.url}`,
    }));
    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toContain('UNCLASSIFIED_FIELD');
    expect(gateway.output()).toContain('subgraph "greetings"');
    expect(gateway.output()).toContain('Greeting.text');
  });

  it('retries a subgraph that is down, reports it in /readyz, and serves once it is up', async () => {
    const subgraphPort = await freePort();
    const gatewayPort = await freePort();
    const gateway = track(spawnScript('gateway/main.ts', [], {
      GATEWAY_PORT: String(gatewayPort), GOVSHARE_SUBGRAPHS: `greetings=http://127.0.0.1:${subgraphPort}/graphql`,
    }));
    const base = `http://127.0.0.1:${gatewayPort}`;
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok, 20_000, 'gateway /healthz');
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    const report = await notReady.json() as { reasons: string[]; subgraphs: Array<{ name: string; state: string }> };
    expect(report.subgraphs).toContainEqual(expect.objectContaining({ name: 'greetings', state: 'unreachable' }));
    expect(report.reasons.join(' ')).toContain('greetings');

    track(await startPlainSubgraph(VALID, { Query: { hello: () => ({ text: '你好' }) } }, subgraphPort));
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, 20_000, 'gateway /readyz 200');
    const answer = await fetch(`${base}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(await as('tax')) }, body: JSON.stringify({ query: '{ hello { text } }' }),
    });
    expect(await answer.json()).toEqual({ data: { hello: { text: '你好' } } });
    expect(gateway.child.exitCode).toBeNull();
  });
});
