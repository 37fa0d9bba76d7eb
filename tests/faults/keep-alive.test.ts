import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { HttpClient, isResetOfReusedSocket } from '../../gateway/execution/http-client.ts';
import { SubgraphDataSource } from '../../gateway/execution/subgraph-data-source.ts';
import { SubgraphCallPolicy } from '../../gateway/execution/subgraph-call-policy.ts';
import { generateSigningKeyPem, signingKeyFromPem } from '../../gateway/keys/index.ts';
import { createRequestSigner, type RequestSigner } from '../../protocol/gateway-signature.ts';
import { startSubgraphProcess, type SubgraphProcess } from './support.ts';

/**
 * Idle keep-alive sockets and bursts: a subgraph closes a connection it has kept idle for its
 * keepAliveTimeout; a burst that starts just then writes requests onto sockets the subgraph has closed,
 * and they are reset. Reproduced deterministically: the subgraph (its own process, keepAliveTimeout 1 s,
 * which Node 20 enforces 1 s later, at 2 s; no `Keep-Alive: timeout` hint) closes every socket while this
 * process is busy and cannot see it, then the burst goes out at once, as a burst arriving on a busy gateway does.
 */
const BURST = 40;
const QUERY = '{ weather { text } }';

function busyFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) { /* the event loop is blocked: no FIN from the subgraph is read meanwhile */ }
}

describe('idle keep-alive sockets closed by the subgraph do not fail a burst', () => {
  let subgraph: SubgraphProcess;
  let signer: RequestSigner;
  beforeAll(async () => {
    subgraph = await startSubgraphProcess({ name: 'weather', provider: 'housing', keepAliveMs: 1000, hint: false });
    signer = createRequestSigner(await signingKeyFromPem(generateSigningKeyPem(), 'test'));
  });
  afterAll(async () => { await subgraph?.kill(); });

  const url = () => new URL(subgraph.url);
  const body = JSON.stringify({ query: QUERY });
  const headers = { 'content-type': 'application/json' };

  /** A burst that opens BURST sockets, a pause past the server's keepAliveTimeout during which this process is busy, and the next burst. */
  async function burstAfterIdle(send: () => Promise<unknown>, idle: () => Promise<void>) {
    const first = await Promise.allSettled(Array.from({ length: BURST }, send));
    expect(first.every((r) => r.status === 'fulfilled')).toBe(true);
    await idle();
    return Promise.allSettled(Array.from({ length: BURST }, send));
  }

  it('reproduces the fault: a client whose idle sockets outlive the server\'s keep-alive fails part of the burst, on reused sockets', async () => {
    const client = new HttpClient({ idleSocketMs: 5_000 });
    try {
      const second = await burstAfterIdle(() => client.post(url(), headers, body), async () => busyFor(2_500));
      const failed = second.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      console.log(`[keep-alive] without retry: ${failed.length} of ${BURST} failed (${Math.round((100 * failed.length) / BURST)} %)`);
      expect(failed.length).toBeGreaterThan(0);
      // Each of them is the reset of a reused socket, which is what the gateway retries.
      expect(failed.every((r) => isResetOfReusedSocket(r.reason))).toBe(true);
    } finally {
      client.close();
    }
  });

  it('the gateway\'s data source retries such a reset once on a fresh connection, with a fresh signature: the whole burst is answered', async () => {
    const client = new HttpClient({ idleSocketMs: 5_000 });
    const signed: string[] = [];
    const counting: RequestSigner = { kid: signer.kid, sign: async (input, b) => { const s = await signer.sign(input, b); signed.push(s); return s; } };
    const source = new SubgraphDataSource('weather', subgraph.url, counting, client, new SubgraphCallPolicy('weather'));
    const call = () => source.process({ request: { query: QUERY }, context: {} } as unknown as GraphQLDataSourceProcessOptions<any>);
    try {
      const second = await burstAfterIdle(call, async () => busyFor(2_500));
      expect(second.filter((r) => r.status === 'rejected')).toEqual([]);
      for (const r of second) expect((r as PromiseFulfilledResult<any>).value).toEqual({ data: { weather: { text: 'hello from weather' } } });
      // More signatures than calls: the retries went out, each with a signature of its own (a new jti).
      expect(signed.length).toBeGreaterThan(2 * BURST);
      expect(new Set(signed).size).toBe(signed.length);
      console.log(`[keep-alive] with retry: 0 of ${BURST} failed, ${signed.length - 2 * BURST} retried`);
    } finally {
      client.close();
    }
  });

  it('a mutation is not sent twice: its reset fails the call', async () => {
    const client = new HttpClient({ idleSocketMs: 5_000 });
    const source = new SubgraphDataSource('weather', subgraph.url, signer, client, new SubgraphCallPolicy('weather'));
    const call = () => source.process({ request: { query: 'mutation { weather { text } }' }, context: {} } as unknown as GraphQLDataSourceProcessOptions<any>);
    try {
      const second = await burstAfterIdle(call, async () => busyFor(2_500));
      // The first burst got GraphQL errors (no Mutation type) but answers; after the pause some are resets.
      expect(second.some((r) => r.status === 'rejected')).toBe(true);
    } finally {
      client.close();
    }
  });

  it('closing idle sockets before the server does leaves nothing to reset: no retry needed', async () => {
    const client = new HttpClient({ idleSocketMs: 500 });
    try {
      const second = await burstAfterIdle(() => client.post(url(), headers, body), async () => {
        await new Promise((resolve) => setTimeout(resolve, 800)); // the client's own timers close its idle sockets at 500 ms
        busyFor(1_800);
      });
      expect(second.filter((r) => r.status === 'rejected')).toEqual([]);
    } finally {
      client.close();
    }
  });
});
