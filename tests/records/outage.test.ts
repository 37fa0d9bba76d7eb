import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateStores } from '../../gateway/state/index.ts';
import { POSTGRES_URL } from '../support/databases.ts';
import { grant } from '../support/grants.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { ZHANG } from './helpers.ts';

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try { return await run(client); } finally { await client.end(); }
}

/**
 * The records' server goes away: the gateway's role may no longer log in and its connections are cut
 * (what a stopped server or a failover looks like to it). Nothing is served without its audit record,
 * /readyz says 503, and it recovers by itself when the server takes it back.
 */
describe.runIf(Boolean(POSTGRES_URL))('the records database down mid-load', () => {
  const role = `govshare_outage_${randomBytes(4).toString('hex')}`;
  let stack: Stack;

  beforeAll(async () => {
    await admin(async (client) => {
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD 'outage'`);
      await client.query(`CREATE DATABASE ${role} OWNER ${role}`);
    });
    const url = new URL(POSTGRES_URL!);
    url.username = role;
    url.password = 'outage';
    url.pathname = `/${role}`;
    const state = await createStateStores({ records: { url: url.toString() }, log: () => {} });
    stack = await startStack({ injectedState: state });
    await grant(stack, 'civil-affairs', ['Person.mobile'], { purpose: '低保审核' });
  });

  afterAll(async () => {
    await stack?.close();
    await admin(async (client) => {
      await client.query(`ALTER ROLE ${role} LOGIN`);
      await client.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS ${role}`);
    });
  });

  const cut = () => admin(async (client) => {
    await client.query(`ALTER ROLE ${role} NOLOGIN`);
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
  });
  const restore = () => admin((client) => client.query(`ALTER ROLE ${role} LOGIN`));

  it('refuses every data request with 503 while it is down, and serves again by itself once it is back', { timeout: 60_000 }, async () => {
    const headers = await as('civil-affairs', { purpose: '低保审核' });
    const read = (fields: string) => stack.query(`{ person(idNumber: "${ZHANG}") { ${fields} } }`, {}, headers);
    expect((await read('birthDate mobile')).body.data.person.mobile).toBe('138****8000');

    // Load through the whole outage: every answer either carries data (and then has its record) or is a 503 without any.
    let loading = true;
    const served: string[] = [];
    const wrong: string[] = [];
    const load = Promise.all(Array.from({ length: 8 }, async () => {
      while (loading) {
        const r = await read('birthDate');
        if (r.status === 200 && r.body.data?.person?.birthDate) served.push(r.headers.get('x-request-id')!);
        else if (r.status !== 503 || JSON.stringify(r.body).includes('1985-03-12')) wrong.push(`${r.status} ${JSON.stringify(r.body)}`);
      }
    }));
    await new Promise((resolve) => setTimeout(resolve, 300));

    await cut();
    const started = Date.now();
    const unconditional = await read('birthDate');
    expect(unconditional.status).toBe(503);
    expect(unconditional.body.errors?.[0]?.extensions?.code).toBe('AUDIT_UNAVAILABLE');
    expect(unconditional.body.data ?? null).toBeNull();
    expect(JSON.stringify(unconditional.body)).not.toContain('1985-03-12');
    // Past the grant cache's one-second window nothing vouches for the grant any more.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const conditional = await read('mobile');
    expect(conditional.status).toBe(503);
    expect(conditional.body.errors?.[0]?.extensions?.code).toBe('POLICY_UNAVAILABLE');
    expect(JSON.stringify(conditional.body)).not.toContain('8000');
    expect(Date.now() - started).toBeLessThan(8000);
    expect((await fetch(`${stack.gatewayUrl}/readyz`)).status).toBe(503);

    await restore();
    const deadline = Date.now() + 15_000;
    let back = await read('birthDate mobile');
    while (back.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      back = await read('birthDate mobile');
    }
    expect(back.status).toBe(200);
    expect(back.body.data.person).toEqual({ birthDate: '1985-03-12', mobile: '138****8000' });
    expect((await fetch(`${stack.gatewayUrl}/readyz`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    loading = false;
    await load;
    expect(wrong).toEqual([]);
    expect(served.length).toBeGreaterThan(10);
    // The chain went on where it stopped, and every answer that carried data has its record.
    expect(await stack.state.audit.verify()).toMatchObject({ ok: true, firstBrokenId: null });
    const stored = new Set((await admin(async () => {
      const url = new URL(POSTGRES_URL!);
      url.pathname = `/${role}`;
      const own = new pg.Client({ connectionString: url.toString() });
      await own.connect();
      try { return (await own.query<{ id: string }>(`SELECT record->>'requestId' AS id FROM govshare.audit_records`)).rows; } finally { await own.end(); }
    })).map((r) => r.id));
    expect(served.filter((id) => !stored.has(id))).toEqual([]);
  });
});
