import { rmSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dataFolder, gql, killHard, startGateway, startSubgraphs, ZHANG, type GatewayProcess } from './helpers.ts';
import { postGraphQL } from '../support/stack.ts';
import { recordsDir, type AuditChainStatus } from '../../gateway/state/index.ts';
import { SqlAuditLog } from '../../gateway/records/sql-audit.ts';
import { openDatabase, type Database } from '../../subgraphs/kit/index.ts';
import { openTestDatabase, POSTGRES_URL } from '../support/databases.ts';
import { as } from '../support/tokens.ts';

const READ = `{ person(idNumber: "${ZHANG}") { name mobile } }`;
const PURPOSE = { purpose: '税务稽查' };
const ADMIN = { roles: ['admin' as const] };

/** Where a spawned gateway keeps its records, and how the test reads them once it has stopped. */
export interface Mode {
  name: string;
  available: boolean;
  prepare(dataDir: string): Promise<{ env: Record<string, string>; open(): Promise<Database>; dispose(): Promise<void> }>;
}

/** Where the records live in the two suites (`restart-embedded.test.ts`, `restart-postgres.test.ts`). */
export const MODES = {
  embedded: {
    name: 'embedded PGlite', available: true,
    prepare: async (dataDir) => ({
      env: {},
      open: () => openDatabase({ kind: 'pglite', dataDir: recordsDir(dataDir) }),
      dispose: async () => {},
    }),
  },
  postgres: {
    name: 'PostgreSQL + Redis', available: Boolean(POSTGRES_URL && process.env.REDIS_URL),
    prepare: async () => {
      const records = await openTestDatabase('postgres');
      return {
        env: { GOVSHARE_STATE_DATABASE_URL: records.url!, REDIS_URL: process.env.REDIS_URL! },
        open: () => openDatabase({ kind: 'postgres', url: records.url!, poolSize: 2 }),
        dispose: () => records.dispose(),
      };
    },
  },
} satisfies Record<string, Mode>;

/**
 * CONTRACT §9: the records survive a restart and a kill -9 of the gateway process. One file per mode, so
 * that the two (each a minute of gateway processes killed and started again) run side by side.
 */
export function describeRecordsSurviveTheProcess(mode: Mode): void {
  describe.runIf(mode.available)(`the records survive the gateway process (${mode.name})`, () => {
    let subgraphs: Awaited<ReturnType<typeof startSubgraphs>>;
    const dirs: string[] = [];
    const disposals: Array<() => Promise<void>> = [];
    let running: GatewayProcess | null = null;
    let records: Awaited<ReturnType<Mode['prepare']>>;
    /** Each test's own data folder (keys; the records too in embedded mode). */
    let currentDataDir = '';

    beforeAll(async () => { subgraphs = await startSubgraphs(); }, 120_000);
    beforeEach(async () => {
      const dataDir = dataFolder();
      dirs.push(dataDir);
      records = await mode.prepare(dataDir);
      disposals.push(records.dispose);
      currentDataDir = dataDir;
    });
    afterAll(async () => {
      if (running) await running.process.kill();
      await subgraphs?.close();
      for (const dispose of disposals) await dispose();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });
    async function start(dataDir: string): Promise<GatewayProcess> {
      running = await startGateway(subgraphs.list, dataDir, records.env);
      return running;
    }

    /**
     * Every requestId in the stopped gateway's audit log, read from its records (the API does not show
     * request ids); the chain verified by the store itself on the same rows.
     */
    async function storedRequestIds(): Promise<{ ids: Set<string>; chain: AuditChainStatus }> {
      const db = await records.open();
      try {
        const rows = await db.query<{ id: string }>(`SELECT record->>'requestId' AS id FROM govshare.audit_records`);
        return { ids: new Set(rows.map((r) => r.id)), chain: await new SqlAuditLog(db).verify() };
      } finally {
        await db.close();
      }
    }

    it('keeps an application, its approval and grant, a data issue and the audited reads across a stop and a start', { timeout: 180_000 }, async () => {
      const dataDir = currentDataDir;
      let gateway = await start(dataDir);
      const applied = await gql(gateway, 'tax', 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: "税务稽查" }) { id } }');
      const applicationId = applied.body.data.applyForAccess.id as string;
      const approved = await gql(gateway, 'public-security', 'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { status grant { id } } }',
        { id: applicationId }, { roles: ['provider'] });
      expect(approved.body.data.reviewApplication.status).toBe('APPROVED');
      const grantId = approved.body.data.reviewApplication.grant.id as string;
      const issue = await gql(gateway, 'tax', `mutation { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.birthDate", recordKey: "${ZHANG}", description: "出生日期存疑" }) { id } }`);
      const issueId = issue.body.data.reportDataIssue.id as string;
      const requestIds: string[] = [];
      for (let i = 0; i < 3; i++) {
        const read = await postGraphQL(gateway.graphql, { query: READ }, await as('tax', PURPOSE));
        expect(read.body.data.person.mobile).toBe('138****8000');
        requestIds.push(read.headers.get('x-request-id')!);
      }

      await gateway.process.kill(); // SIGTERM: a clean stop
      expect(gateway.process.child.exitCode).toBe(0);
      gateway = await start(dataDir);

      const applications = await gql(gateway, 'tax', '{ applications { id status grant { id active } } }');
      expect(applications.body.data.applications).toContainEqual({ id: applicationId, status: 'APPROVED', grant: { id: grantId, active: true } });
      const issues = await gql(gateway, 'tax', '{ dataIssues { id status } }');
      expect(issues.body.data.dataIssues).toContainEqual({ id: issueId, status: 'OPEN' });
      // The grant still works.
      const after = await postGraphQL(gateway.graphql, { query: READ }, await as('tax', PURPOSE));
      expect(after.body.data.person.mobile).toBe('138****8000');
      const audit = await gql(gateway, 'data-bureau', '{ auditLog(first: 500, consumer: "tax") { records { id operationName fields } } }', {}, ADMIN);
      expect(audit.body.errors).toBeUndefined();
      const chain = await gql(gateway, 'data-bureau', '{ verifyAuditChain { ok checked firstBrokenId } }', {}, ADMIN);
      expect(chain.body.data.verifyAuditChain).toMatchObject({ ok: true, firstBrokenId: null });
      // apply, review, report, three reads, and the reads after the restart: all one chain.
      expect(chain.body.data.verifyAuditChain.checked).toBeGreaterThanOrEqual(7);
      await gateway.process.kill();
      running = null;
      const stored = await storedRequestIds();
      for (const id of requestIds) expect(stored.ids.has(id)).toBe(true);
      expect(stored.chain.ok).toBe(true);
    });

    it('has the audit record of every answer that carried data after a kill -9 under a burst of reads', { timeout: 180_000 }, async () => {
      const dataDir = currentDataDir;
      let gateway = await start(dataDir);
      const headers = await as('tax');
      const served: string[] = [];
      let stop = false;
      const reader = async () => {
        while (!stop) {
          try {
            const r = await postGraphQL(gateway.graphql, { query: `{ person(idNumber: "${ZHANG}") { birthDate } }` }, headers);
            if (r.body.data?.person?.birthDate) served.push(r.headers.get('x-request-id')!);
          } catch { /* the connection died with the process: that answer carried nothing */ }
        }
      };
      const readers = Array.from({ length: 16 }, reader);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await killHard(gateway);
      stop = true;
      await Promise.all(readers);
      expect(served.length).toBeGreaterThan(20);

      // It starts again on what the killed process left, and its chain verifies.
      gateway = await start(dataDir);
      const chain = await gql(gateway, 'data-bureau', '{ verifyAuditChain { ok checked firstBrokenId } }', {}, ADMIN);
      expect(chain.body.data.verifyAuditChain).toMatchObject({ ok: true, firstBrokenId: null });
      expect(chain.body.data.verifyAuditChain.checked).toBeGreaterThanOrEqual(served.length);
      await gateway.process.kill();
      running = null;
      const stored = await storedRequestIds();
      expect(served.filter((id) => !stored.ids.has(id))).toEqual([]);
      expect(stored.chain.ok).toBe(true);
    });

    it('has no approval without its grant after a kill -9 during a burst of approvals', { timeout: 180_000 }, async () => {
      const dataDir = currentDataDir;
      let gateway = await start(dataDir);
      // Applications of distinct consumers, so none is a duplicate pending one.
      const consumers = ['tax', 'civil-affairs', 'human-resources', 'development-reform', 'housing', 'market-regulation', 'data-bureau'];
      const fields = ['Person.mobile', 'Person.householdAddress', 'Person.maritalStatus'];
      const ids: string[] = [];
      for (const consumer of consumers) {
        for (const field of fields) {
          const r = await gql(gateway, consumer, 'mutation($f: String!) { applyForAccess(input: { resource: "POP-PERSON", fields: [$f], purpose: "核验" }) { id } }', { f: field });
          if (r.body.data?.applyForAccess) ids.push(r.body.data.applyForAccess.id);
        }
      }
      expect(ids.length).toBeGreaterThan(10);
      const approvals = ids.map((id) => gql(gateway, 'public-security', 'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { status } }',
        { id }, { roles: ['provider'] }).then((r) => r.body.data?.reviewApplication?.status === 'APPROVED', () => false));
      // Killed as soon as the first approval is answered: the rest are in flight or not yet begun.
      await Promise.race([Promise.any(approvals.map((p) => p.then((ok) => ok || Promise.reject(new Error('refused'))))), new Promise((r) => setTimeout(r, 10_000))]);
      await killHard(gateway);
      const answered = (await Promise.all(approvals)).filter(Boolean).length;
      expect(answered).toBeGreaterThan(0);
      expect(answered).toBeLessThan(ids.length);

      gateway = await start(dataDir);
      const listed = await gql(gateway, 'public-security', '{ applications(as: PROVIDER) { id status grant { id } } }', {}, { roles: ['provider'] });
      const approved = (listed.body.data.applications as Array<{ id: string; status: string; grant: { id: string } | null }>).filter((a) => ids.includes(a.id) && a.status === 'APPROVED');
      // Every approval that was answered is there, and every approval there has its grant.
      expect(approved.length).toBeGreaterThanOrEqual(answered);
      for (const application of approved) expect(application.grant).not.toBeNull();
      await gateway.process.kill();
      running = null;
    });
  });
}
