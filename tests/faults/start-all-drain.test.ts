import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';
import { spawnScript, waitFor, type Spawned } from '../support/processes.ts';
import { as } from '../support/tokens.ts';
import { since } from './support.ts';

const ZHANG = '43010219850312123X';
/** Across population, legal-entity and credit, readable without a grant (the README's tour). */
const QUERY = `{ person(idNumber: "${ZHANG}") { idNumber name birthDate enterprises { name creditRating } } }`;

/**
 * `npm start` (scripts/start-all.ts) stopped under load: the gateway drains first while the subgraphs
 * still answer, then the subgraphs stop; every request the gateway had taken gets its data.
 * The sample subgraphs listen on their CONTRACT §1 ports (4001–4007) here, as `npm start` does.
 */
describe('npm start under load, then SIGTERM', () => {
  const DRAIN_MS = 8_000;
  let all: Spawned;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    all = spawnScript('scripts/start-all.ts', [], { GATEWAY_PORT: String(port), GOVSHARE_SAMPLE_PERSONS: '200', GOVSHARE_DRAIN_MS: String(DRAIN_MS) });
    const died = all.exited.then((code) => { throw new Error(`npm start exited (${code}) before it was ready: ${all.output().slice(-1500)}`); });
    await Promise.race([died, waitFor(async () => all.output().includes('govshare is ready'), 170_000, 'npm start ready')]);
  }, 180_000);
  afterAll(async () => { await all?.kill(); });

  it('every request the gateway took during the stop is answered with its data; start-all exits 0 within the bound', async () => {
    const headers = { 'content-type': 'application/json', ...(await as('tax')) };
    const body = JSON.stringify({ query: QUERY });
    let signalled = 0;
    const answered: Array<{ status: number; ok: boolean; afterSignal: boolean }> = [];
    const refused: string[] = [];
    // 32 clients, each sending the query back to back until the gateway no longer takes one.
    const client = async () => {
      for (;;) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers, body });
          const json = await response.json() as any;
          answered.push({ status: response.status, ok: response.status === 200 && !json.errors && json.data?.person?.birthDate !== undefined, afterSignal: signalled > 0 });
        } catch (error) {
          // Only once the stop began: no connection is accepted any more (or an idle one was closed before
          // this request reached the gateway) — nothing was taken, nothing is lost.
          if (!signalled) throw error;
          refused.push(String((error as Error).cause ?? error));
          return;
        }
      }
    };
    const clients = Array.from({ length: 32 }, client);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    signalled = performance.now();
    all.child.kill('SIGTERM');
    await Promise.all(clients);
    const code = await all.exited;
    const exitedAfter = since(signalled);
    const bad = answered.filter((a) => !a.ok);
    console.log(`[start-all drain] ${answered.length} answered (${answered.filter((a) => a.afterSignal).length} after the signal), ${bad.length} without their data, ${refused.length} clients turned away; exit ${code} ${exitedAfter} ms after SIGTERM`);
    expect(answered.length).toBeGreaterThan(32);
    expect(bad).toEqual([]);
    expect(code).toBe(0);
    expect(exitedAfter).toBeLessThan(DRAIN_MS + 6_000);
    // The gateway stopped first (drained), and start-all saw no child die on its own.
    expect(all.output()).toContain('[gateway] stopped in');
    expect(all.output()).not.toMatch(/\[start\] .* exited/);
  });
});
