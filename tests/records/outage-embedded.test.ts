import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlAuditLog } from '../../gateway/records/sql-audit.ts';
import { recordsDir } from '../../gateway/state/index.ts';
import { openDatabase } from '../../subgraphs/kit/index.ts';
import { postGraphQL, type GraphQLResponse } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { gql, startGateway, startSubgraphs, ZHANG, type GatewayProcess } from './helpers.ts';

/**
 * Issue 11, embedded mode: the disk under the gateway's PGlite fills up mid-load. The records live on a
 * tmpfs of their own, and a file written until the tmpfs says ENOSPC takes its last free page; deleting
 * that file frees it again. (What else was tried, as root: `chmod` does not stop root; `chattr +i` on the
 * files leaves the descriptors PGlite already holds writable and, once lifted, leaves PGlite's storage
 * manager refusing to create a file it thinks exists, so it cannot recover in-process; remounting the
 * tmpfs read-only is refused while PGlite holds files open for writing. A full disk is also the outage an
 * embedded deployment actually meets.) Nothing carrying data is served while the audit record cannot be
 * written (503 AUDIT_UNAVAILABLE), /readyz says 503, the process lives on, and it serves again by itself
 * once there is room; every answer that carried data has its record and the chain verifies.
 */
function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(join(tmpdir(), 'govshare-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const READ = `{ person(idNumber: "${ZHANG}") { birthDate name } }`;
const BIRTH_DATE = '1985-03-12';

describe.runIf(canMountTmpfs())('embedded records (PGlite) when their disk fills up mid-load', () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'govshare-records-tmpfs-'));
  const filler = join(mountPoint, 'filler');
  let subgraphs: Awaited<ReturnType<typeof startSubgraphs>>;
  let gateway: GatewayProcess | null = null;

  beforeAll(async () => {
    // Room for PGlite's cluster (≈40 MB), its WAL segment and the migrations; the filler takes the rest.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=160m,mode=0700', 'tmpfs', mountPoint]);
    subgraphs = await startSubgraphs();
    gateway = await startGateway(subgraphs.list, mountPoint);
  }, 180_000);

  afterAll(async () => {
    clearInterval(keepFull);
    await gateway?.process.kill();
    await subgraphs?.close();
    try { execFileSync('umount', [mountPoint], { stdio: 'ignore' }); } catch { execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' }); }
    rmSync(mountPoint, { recursive: true, force: true });
  });

  /** Appends to the filler until the tmpfs refuses: ENOSPC is the point. */
  const topUp = () => {
    const fd = openSync(filler, 'a');
    const chunk = Buffer.alloc(64 * 1024);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
  };
  // Kept full: PGlite may free a little itself meanwhile (a WAL segment removed at a checkpoint), which
  // would let an append through — correctly recorded, but then the disk was not full.
  let keepFull: NodeJS.Timeout | undefined;
  const fill = () => {
    topUp();
    keepFull = setInterval(topUp, 20);
  };
  const free = () => {
    clearInterval(keepFull);
    rmSync(filler, { force: true });
  };
  const readyz = async () => (await fetch(`${gateway!.url}/readyz`)).status;

  let loading = false;
  afterAll(() => { loading = false; });

  it('serves nothing without its record while the disk is full, says so on /readyz, and recovers by itself', { timeout: 120_000 }, async () => {
    const headers = await as('tax');
    const read = () => postGraphQL(gateway!.graphql, { query: READ }, headers);
    const first = await read();
    expect(first.status).toBe(200);
    expect(first.body.data.person.birthDate).toBe(BIRTH_DATE);
    expect(await readyz()).toBe(200);

    type Answer = { sent: number; at: number; status: number; id: string | null; data: boolean; code: string | null; text: string };
    const answers: Answer[] = [];
    loading = true;
    const carriesData = (r: GraphQLResponse) => JSON.stringify(r.body).includes(BIRTH_DATE);
    const load = Promise.all(Array.from({ length: 8 }, async () => {
      while (loading) {
        const sent = Date.now();
        const r = await read().catch((error: Error) => ({ status: 0, body: { errors: [{ message: error.message }] }, headers: new Headers() }) as GraphQLResponse);
        answers.push({
          sent, at: Date.now(), status: r.status, id: r.headers.get('x-request-id'), data: carriesData(r),
          code: (r.body.errors?.[0]?.extensions?.code as string | undefined) ?? null, text: JSON.stringify(r.body).slice(0, 200),
        });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }));
    await new Promise((resolve) => setTimeout(resolve, 500));

    fill();
    const filledAt = Date.now();
    // The first append that needs a new page fails; soon every data request is refused (see below).
    const deadline = Date.now() + 10_000;
    while (!answers.some((a) => a.at > filledAt && a.status === 503) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const outageFrom = answers.find((a) => a.at > filledAt && a.status === 503)?.at;
    expect(outageFrom, 'no request was refused after the disk filled up').toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const refused = await read();
    expect(refused.status).toBe(503);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('AUDIT_UNAVAILABLE');
    expect(refused.body.data ?? null).toBeNull();
    expect(JSON.stringify(refused.body)).not.toContain(BIRTH_DATE);
    const notReady = await fetch(`${gateway!.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { reasons: string[] }).reasons.join(' ')).toMatch(/state store/);
    expect((await fetch(`${gateway!.url}/healthz`)).status).toBe(200);
    expect(gateway!.process.child.exitCode).toBeNull();
    // A platform write is refused too, and says nothing was done.
    const issue = await gql(gateway!, 'tax', `mutation { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.birthDate", recordKey: "${ZHANG}", description: "磁盘已满时" }) { id } }`);
    expect(issue.body.data?.reportDataIssue ?? null).toBeNull();
    expect(issue.body.errors?.length).toBeGreaterThan(0);
    const outageUntil = Date.now();

    free();
    const back = Date.now() + 15_000;
    let again = await read();
    while (again.status !== 200 && Date.now() < back) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      again = await read();
    }
    expect(again.status).toBe(200);
    expect(again.body.data.person.birthDate).toBe(BIRTH_DATE);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await readyz()).toBe(200);
    loading = false;
    await load;
    // The refused report was not half done: no issue exists that its reporter was told failed.
    const issues = await gql(gateway!, 'tax', '{ dataIssues { description } }');
    expect(issues.body.errors).toBeUndefined();
    expect((issues.body.data.dataIssues as Array<{ description: string }>).map((i) => i.description)).not.toContain('磁盘已满时');

    // Nothing else than data with its record, or a 503 AUDIT_UNAVAILABLE without any.
    expect(answers.filter((a) => !(a.status === 200 && a.data) && !(a.status === 503 && a.code === 'AUDIT_UNAVAILABLE' && !a.data)).map((a) => `${a.status} ${a.text}`), 'answers other than data or 503 AUDIT_UNAVAILABLE').toEqual([]);
    // Sent well after the first refusal. Right after it, a smaller batch than the one refused can still fit
    // the free room of the last page and commit — the group commit batches what arrives together, so batch
    // sizes vary — and its answers carry data with their records (every served answer's record is checked
    // below); once that room is used up, every data request is refused.
    expect(answers.filter((a) => a.sent > outageFrom! + 500 && a.at <= outageUntil && a.data).map((a) => `sent ${a.sent - outageFrom!} ms into the outage: ${a.text}`), 'data served while the disk was full').toEqual([]);
    expect(answers.filter((a) => a.at >= outageFrom! && a.at <= outageUntil).length).toBeGreaterThan(20);
    const served = answers.filter((a) => a.data).map((a) => a.id!);
    expect(served.length).toBeGreaterThan(20);
    expect(answers.filter((a) => a.at > outageUntil && a.data).length).toBeGreaterThan(0);

    // Stopped, the records are read as they are on disk: every answer that carried data is there, one chain.
    await gateway!.process.kill();
    expect(gateway!.process.child.exitCode).toBe(0);
    gateway = null;
    const db = await openDatabase({ kind: 'pglite', dataDir: recordsDir(mountPoint) });
    try {
      const stored = new Set((await db.query<{ id: string }>(`SELECT record->>'requestId' AS id FROM govshare.audit_records`)).map((r) => r.id));
      expect(served.filter((id) => !stored.has(id)), 'answers with data but no audit record').toEqual([]);
      expect(await new SqlAuditLog(db).verify()).toMatchObject({ ok: true, firstBrokenId: null });
    } finally {
      await db.close();
    }
  });
});
