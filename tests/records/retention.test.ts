import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatewayConfigFromEnv } from '../../gateway/config.ts';
import { generateSigningKeyPem, signingKeyFromPem, type GatewaySigningKey } from '../../gateway/keys/signing-key.ts';
import { signManifest, type SignedArchiveManifest } from '../../gateway/records/audit-archive-manifest.ts';
import { verifyArchive } from '../../gateway/records/audit-archive-verify.ts';
import { createMonthPartition, listMonthPartitions } from '../../gateway/records/audit-partitions.ts';
import {
  archiveExpiredMonths, retainedChainStart, retireMonth, writeMonthArchive, type ArchiveRunOptions,
} from '../../gateway/records/audit-retention.ts';
import { migrate } from '../../gateway/records/migrate.ts';
import { SqlAuditLog } from '../../gateway/records/sql-audit.ts';
import { chainHash, createStateStores, type AuditRecord } from '../../gateway/state/index.ts';
import type { Database } from '../../subgraphs/kit/index.ts';
import { openTestDatabase, POSTGRES_URL, type TestDatabase } from '../support/databases.ts';
import { spawnScript } from '../support/processes.ts';
import { eventually, sampleEntry } from '../state-helpers.ts';
import { auditKeyMac } from '../../gateway/audit/audit-key-mac.ts';
import type { JWK } from 'jose';

const keyMac = (jwk: JWK) => auditKeyMac('retention test audit key').of(jwk);

const kinds = ['pglite' as const, ...(POSTGRES_URL ? ['postgres' as const] : [])];
const NOW = new Date('2026-01-25T12:00:00Z');
/** 2025-12-16T12:00Z: September, October and November are wholly older; December is not. */
const DAYS = 40;

let key: GatewaySigningKey;
let jwksFile: string;
const folders: string[] = [];
const folder = (prefix: string) => { const dir = mkdtempSync(join(tmpdir(), prefix)); folders.push(dir); return dir; };

beforeAll(async () => {
  key = await signingKeyFromPem(generateSigningKeyPem(), 'test key');
  jwksFile = join(folder('govshare-jwks-'), 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [key.publicJwk] }));
});
afterAll(() => { for (const dir of folders) rmSync(dir, { recursive: true, force: true }); });

/**
 * A log that ran through the autumn: partitions September to January (made as the gateway would have made
 * them then), 30 records, and record 9 dated August, for which no partition exists (DEFAULT).
 */
async function autumnLog(db: Database): Promise<AuditRecord[]> {
  await migrate(db);
  for (const month of ['2025-09', '2025-10', '2025-11', '2025-12', '2026-01']) await createMonthPartition(db, month);
  const log = new SqlAuditLog(db);
  const dates = [
    ...Array.from({ length: 8 }, (_, i) => `2025-09-${String(i + 2).padStart(2, '0')}T10:00:00Z`),
    '2025-08-31T23:00:00Z',
    ...Array.from({ length: 8 }, (_, i) => `2025-10-${String(i + 2).padStart(2, '0')}T10:00:00Z`),
    ...Array.from({ length: 6 }, (_, i) => `2025-11-${String(i + 20).padStart(2, '0')}T10:00:00Z`),
    ...Array.from({ length: 4 }, (_, i) => `2025-12-${String(i + 20).padStart(2, '0')}T10:00:00Z`),
    ...Array.from({ length: 3 }, (_, i) => `2026-01-${String(i + 10).padStart(2, '0')}T10:00:00Z`),
  ];
  const records: AuditRecord[] = [];
  for (const [i, at] of dates.entries()) records.push(await log.append(sampleEntry(i, { at: new Date(at).toISOString() })));
  return records;
}

async function seqs(db: Database, table = 'govshare.audit_records'): Promise<number[]> {
  return (await db.query<{ seq: string }>(`SELECT seq::text AS seq FROM ${table} ORDER BY seq`)).map((r) => Number(r.seq));
}

/** The chain left in the database, walked independently of the stores: from retainedChainStart to the head. */
async function walkRetained(db: Database): Promise<number> {
  const start = await retainedChainStart(db);
  const rows = await db.query<{ record: AuditRecord }>('SELECT record FROM govshare.audit_records ORDER BY seq');
  let prev = start.prevHash;
  let seq = start.afterSeq;
  for (const { record } of rows) {
    const { hash, ...unsealed } = record;
    expect(record.seq).toBe(seq + 1);
    expect(record.prevHash).toBe(prev);
    expect(chainHash(prev, unsealed)).toBe(hash);
    prev = hash;
    seq = record.seq;
  }
  const [head] = await db.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM govshare.audit_head');
  expect(Number(head!.seq)).toBe(seq);
  expect(head!.hash).toBe(prev);
  return rows.length;
}

function gzLines(file: string): AuditRecord[] {
  return gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as AuditRecord);
}

async function verifyArchiveCli(manifest: string, jwks = jwksFile): Promise<{ code: number | null; output: string }> {
  const run = spawnScript('scripts/verify-archive.ts', [manifest, '--jwks', jwks], {});
  const code = await run.exited;
  return { code, output: run.output() };
}

describe.each(kinds)('audit retention (%s)', (kind) => {
  const opened: TestDatabase[] = [];
  let database: TestDatabase;
  let db: Database;
  let archiveDir: string;
  let options: ArchiveRunOptions;

  beforeEach(async () => {
    database = await openTestDatabase(kind);
    opened.push(database);
    db = database.db;
    archiveDir = folder('govshare-archive-');
    options = { days: DAYS, archiveDir, signingKey: () => key, keyMac, now: NOW };
  });
  afterAll(async () => { for (const d of opened) await d.dispose(); });

  it('archives exactly the months wholly past the retention, signed, and drops them; the rest stays', async () => {
    const records = await autumnLog(db);
    const countsBefore = await db.query('SELECT name, n::text AS n FROM govshare.audit_counts ORDER BY name');

    const run = await archiveExpiredMonths(db, options);

    expect(run).toEqual({ busy: false, archived: ['2025-09', '2025-10', '2025-11'], emptied: [], blocked: null });
    expect(await listMonthPartitions(db)).toEqual(['2025-12', '2026-01']);
    expect(await seqs(db)).toEqual([24, 25, 26, 27, 28, 29, 30]);
    expect(await seqs(db, 'govshare.audit_records_default')).toEqual([]);
    expect(await db.query('SELECT 1 FROM govshare.audit_index WHERE seq <= 23')).toEqual([]);
    expect((await db.query('SELECT DISTINCT seq FROM govshare.audit_index')).length).toBe(7);
    // Evaluation's figures are all-time: the counters are not touched.
    expect(await db.query('SELECT name, n::text AS n FROM govshare.audit_counts ORDER BY name')).toEqual(countsBefore);

    expect(readdirSync(archiveDir).sort()).toEqual([
      '2025-09.json', '2025-09.jsonl.gz', '2025-10.json', '2025-10.jsonl.gz', '2025-11.json', '2025-11.jsonl.gz']);
    // August's record 9 sat in DEFAULT between September's and October's: it went with October's stretch.
    expect(gzLines(join(archiveDir, '2025-09.jsonl.gz'))).toEqual(records.slice(0, 8));
    expect(gzLines(join(archiveDir, '2025-10.jsonl.gz'))).toEqual(records.slice(8, 17));
    const october = JSON.parse(readFileSync(join(archiveDir, '2025-10.json'), 'utf8')) as SignedArchiveManifest;
    expect(october).toMatchObject({
      month: '2025-10', firstSeq: 9, lastSeq: 17, count: 9, firstPrevHash: records[7]!.hash, lastHash: records[16]!.hash,
      sha256: createHash('sha256').update(readFileSync(join(archiveDir, '2025-10.jsonl.gz'))).digest('hex'),
    });
    expect(JSON.parse(Buffer.from(october.signature.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'EdDSA', kid: key.kid });
    const rows = await db.query<{ month: string; first_seq: string; last_seq: string; last_hash: string; file: string; sha256: string; signature: string }>(
      'SELECT month, first_seq::text AS first_seq, last_seq::text AS last_seq, last_hash, file, sha256, signature FROM govshare.audit_archives ORDER BY month');
    expect(rows.map((r) => [r.month, r.first_seq, r.last_seq])).toEqual([['2025-09', '1', '8'], ['2025-10', '9', '17'], ['2025-11', '18', '23']]);
    expect(rows[1]).toMatchObject({ last_hash: records[16]!.hash, file: join(archiveDir, '2025-10.jsonl.gz'), sha256: october.sha256, signature: october.signature });
    for (const month of ['2025-09', '2025-10', '2025-11']) expect((await verifyArchive(join(archiveDir, `${month}.json`), { keys: [key.publicJwk] })).ok).toBe(true);

    // Nothing more is due: a second run changes nothing.
    expect(await archiveExpiredMonths(db, options)).toEqual({ busy: false, archived: [], emptied: [], blocked: null });
  });

  it('the chain verifies from retainedChainStart, pages still work, and record ids are never reused', async () => {
    const records = await autumnLog(db);
    await archiveExpiredMonths(db, options);
    expect(await retainedChainStart(db)).toEqual({ afterSeq: 23, prevHash: records[22]!.hash });
    expect(await walkRetained(db)).toBe(7);
    const log = new SqlAuditLog(db);
    expect(await log.verify()).toMatchObject({ ok: true, firstBrokenId: null });

    const ids: string[] = [];
    let after: string | null = null;
    do {
      const page = await log.page({ first: 3, after, visibleTo: 'all' });
      ids.push(...page.records.map((r) => r.id));
      after = page.nextCursor;
    } while (after);
    expect(ids).toEqual(['30', '29', '28', '27', '26', '25', '24']);
    const retained = records.slice(23);
    const gongan = retained.filter((r) => r.consumer === 'gongan' || r.providers.includes('gongan')).map((r) => r.id).reverse();
    expect((await log.page({ first: 50, visibleTo: 'gongan' })).records.map((r) => r.id)).toEqual(gongan);
    // A cursor into the archived stretch finds nothing rather than failing.
    expect(await log.page({ first: 5, after: '20', visibleTo: 'all' })).toEqual({ records: [], nextCursor: null });

    const next = await new SqlAuditLog(db).append(sampleEntry(99, { at: NOW.toISOString() }));
    expect(next.seq).toBe(31);
    expect(next.prevHash).toBe(records[29]!.hash);
    expect(await log.verify()).toMatchObject({ ok: true });
  });

  it('verify-archive passes on the archive and fails on a tampered .gz, a forged signature and a changed lastHash', async () => {
    await autumnLog(db);
    await archiveExpiredMonths(db, options);
    const manifestPath = join(archiveDir, '2025-10.json');
    const good = await verifyArchiveCli(manifestPath);
    expect(good.code, good.output).toBe(0);
    expect(good.output).toMatch(/ok: the audit archive of 2025-10 holds records 9–17 \(9\) exactly as the gateway signed them/);

    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as SignedArchiveManifest;
    const gz = readFileSync(join(archiveDir, '2025-10.jsonl.gz'));
    const copy = (name: string, records: Buffer, signed: SignedArchiveManifest) => {
      const dir = folder(`govshare-${name}-`);
      writeFileSync(join(dir, '2025-10.jsonl.gz'), records);
      writeFileSync(join(dir, '2025-10.json'), JSON.stringify(signed));
      return join(dir, '2025-10.json');
    };

    // One purpose rewritten inside the file.
    const lines = gunzipSync(gz).toString('utf8').split('\n');
    lines[3] = lines[3]!.replace('行政审批', '篡改');
    const tampered = gzipSync(lines.join('\n'));
    const altered = await verifyArchiveCli(copy('tampered', tampered, manifest));
    expect(altered.code).toBe(1);
    expect(altered.output).toMatch(/SHA-256 of .* is [0-9a-f]{64}, the manifest says/);
    expect(altered.output).toMatch(/the chain inside the archive breaks: record 12's hash does not match its content/);

    // The same, with the manifest's sha256 brought along: the signature no longer holds.
    const resealed = { ...manifest, sha256: createHash('sha256').update(tampered).digest('hex') };
    const unsigned = await verifyArchiveCli(copy('resealed', tampered, resealed));
    expect(unsigned.code).toBe(1);
    expect(unsigned.output).toMatch(/signature does not verify/);

    // Signed by a key that is not the gateway's, under the gateway's kid.
    const forger = await signingKeyFromPem(generateSigningKeyPem(), 'forger');
    const { signature: _, ...unsignedManifest } = manifest;
    const forged = await verifyArchiveCli(copy('forged', gz, { ...manifest, signature: signManifest(unsignedManifest, { ...forger, kid: key.kid }) }));
    expect(forged.code).toBe(1);
    expect(forged.output).toMatch(/signature does not verify/);

    // A record dropped from the end and lastHash moved back to match: signature fails, the file's hash too.
    const shorter = await verifyArchiveCli(copy('lasthash', gz, { ...manifest, lastHash: JSON.parse(lines[7]!).hash }));
    expect(shorter.code).toBe(1);
    expect(shorter.output).toMatch(/signature does not verify/);
    expect(shorter.output).toMatch(/the archive's last hash is [0-9a-f]{64}, the manifest says/);

    // And a key set that does not hold the gateway's key verifies nothing.
    const otherKeys = join(folder('govshare-otherjwks-'), 'jwks.json');
    writeFileSync(otherKeys, JSON.stringify({ keys: [forger.publicJwk] }));
    expect((await verifyArchiveCli(manifestPath, otherKeys)).code).toBe(1);
  });

  it('a run killed between writing the archive and dropping the month is finished by the next, without a second archive', async () => {
    const records = await autumnLog(db);
    const cutoff = new Date(NOW.getTime() - DAYS * 86_400_000);
    const written = await writeMonthArchive(db, { month: '2025-09', start: await retainedChainStart(db), lastSeq: 8, cutoff, dir: archiveDir, key });
    expect('blocked' in written).toBe(false);
    const manifestBefore = readFileSync(join(archiveDir, '2025-09.json'), 'utf8');
    // …killed here: the files are complete, the month is still in the database and not entered.
    expect(await listMonthPartitions(db)).toContain('2025-09');
    expect(await db.query('SELECT 1 FROM govshare.audit_archives')).toEqual([]);
    expect(await retainedChainStart(db)).toEqual({ afterSeq: 0, prevHash: '0'.repeat(64) });
    expect(await walkRetained(db)).toBe(30);

    const run = await archiveExpiredMonths(db, options);
    expect(run.archived).toEqual(['2025-09', '2025-10', '2025-11']);
    // September's archive was verified and used as it was, not written again.
    expect(readFileSync(join(archiveDir, '2025-09.json'), 'utf8')).toBe(manifestBefore);
    expect(readdirSync(archiveDir).filter((f) => f.startsWith('2025-09'))).toEqual(['2025-09.json', '2025-09.jsonl.gz']);
    expect(readdirSync(archiveDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await db.query<{ month: string }>('SELECT month FROM govshare.audit_archives ORDER BY month')).map((r) => r.month))
      .toEqual(['2025-09', '2025-10', '2025-11']);
    expect(await retainedChainStart(db)).toEqual({ afterSeq: 23, prevHash: records[22]!.hash });
  });

  it('a run killed after dropping the month but before its index rows went has them deleted by the next', async () => {
    await autumnLog(db);
    const cutoff = new Date(NOW.getTime() - DAYS * 86_400_000);
    const written = await writeMonthArchive(db, { month: '2025-09', start: await retainedChainStart(db), lastSeq: 8, cutoff, dir: archiveDir, key });
    if ('blocked' in written) throw new Error(written.blocked);
    await retireMonth(db, written);
    // …killed here.
    expect(await listMonthPartitions(db)).not.toContain('2025-09');
    expect((await db.query('SELECT 1 FROM govshare.audit_index WHERE seq <= 8')).length).toBeGreaterThan(0);
    // Entering the same archive twice is refused: the database's chain no longer begins where it does.
    await expect(retireMonth(db, written)).rejects.toThrow(/starts at record 1, but the database's chain now begins after 8/);

    // On 2025-11-05 with one day's retention, October is due as well (November is not).
    await archiveExpiredMonths(db, { ...options, now: new Date('2025-11-05T00:00:00Z'), days: 1 });
    expect(await db.query('SELECT 1 FROM govshare.audit_index WHERE seq <= 8')).toEqual([]);
    expect((await db.query<{ month: string }>('SELECT month FROM govshare.audit_archives ORDER BY month')).map((r) => r.month))
      .toEqual(['2025-09', '2025-10']);
  });

  it('a month not wholly past the retention is not touched, nor one whose stretch of the chain holds a newer record', async () => {
    await migrate(db);
    for (const month of ['2025-11', '2026-01']) await createMonthPartition(db, month);
    const log = new SqlAuditLog(db);
    await log.append(sampleEntry(0, { at: '2025-11-10T00:00:00.000Z' }));
    await log.append(sampleEntry(1, { at: '2026-01-15T00:00:00.000Z' }));
    // A writer whose clock runs late appends into November after January's record.
    await log.append(sampleEntry(2, { at: '2025-11-29T00:00:00.000Z' }));

    const run = await archiveExpiredMonths(db, { ...options, now: new Date('2026-01-20T00:00:00Z'), days: 30 });
    expect(run.archived).toEqual([]);
    expect(run.blocked).toMatch(/^2025-11: record 2, in the same stretch of the chain, is not older than the retention yet/);
    expect(await listMonthPartitions(db)).toEqual(['2025-11', '2026-01']);
    expect(await seqs(db)).toEqual([1, 2, 3]);
    expect(readdirSync(archiveDir)).toEqual([]);

    // December is not wholly past 30 days on 2026-01-20 either, even with nothing blocking.
    await createMonthPartition(db, '2025-12');
    await log.append(sampleEntry(3, { at: '2025-12-01T00:00:00.000Z' }));
    expect((await archiveExpiredMonths(db, { ...options, now: new Date('2026-01-20T00:00:00Z'), days: 30 })).archived).toEqual([]);
    expect(await listMonthPartitions(db)).toContain('2025-12');

    // Once January's record is past the retention too, November goes with record 2 in its stretch (out of
    // January's partition, which stays: January itself is not due), and December after it.
    const later = await archiveExpiredMonths(db, { ...options, now: new Date('2026-02-20T00:00:00Z'), days: 30 });
    expect(later).toMatchObject({ archived: ['2025-11', '2025-12'], blocked: null });
    expect(gzLines(join(archiveDir, '2025-11.jsonl.gz')).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(await seqs(db)).toEqual([]);
    expect(await listMonthPartitions(db)).toEqual(['2026-01']);
    expect(await new SqlAuditLog(db).verify()).toMatchObject({ ok: true });
    expect((await log.append(sampleEntry(4, { at: '2026-02-20T00:00:00.000Z' }))).seq).toBe(5);
  });

  it('an altered log is never archived nor dropped: no signed manifest vouches for it', async () => {
    await autumnLog(db);
    await db.query(`UPDATE govshare.audit_records SET record = jsonb_set(record, '{purpose}', '"篡改"') WHERE seq = 5`);
    const run = await archiveExpiredMonths(db, options);
    expect(run.archived).toEqual([]);
    expect(run.blocked).toMatch(/^2025-09: record 5 does not chain on its predecessor/);
    expect(readdirSync(archiveDir)).toEqual([]);
    expect((await seqs(db)).length).toBe(30);
    expect(await listMonthPartitions(db)).toEqual(['2025-09', '2025-10', '2025-11', '2025-12', '2026-01']);
  });

  it('an empty month past the retention is dropped without an archive', async () => {
    await autumnLog(db);
    await createMonthPartition(db, '2025-06');
    const run = await archiveExpiredMonths(db, options);
    expect(run.emptied).toEqual(['2025-06']);
    expect(run.archived).toEqual(['2025-09', '2025-10', '2025-11']);
    expect(existsSync(join(archiveDir, '2025-06.json'))).toBe(false);
  });

  // Replicas share a server; an embedded PGlite has one process, so there is nothing to take turns at.
  if (kind === 'postgres') it('only one replica archives at a time', async () => {
    await autumnLog(db);
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1)', [0x67_76_61_72]);
      expect(await archiveExpiredMonths(db, options)).toEqual({ busy: true, archived: [], emptied: [], blocked: null });
      expect(readdirSync(archiveDir)).toEqual([]);
      await other.query('COMMIT');
      expect((await archiveExpiredMonths(db, options)).archived).toEqual(['2025-09', '2025-10', '2025-11']);
    } finally {
      await other.end();
    }
  });

  it('the state stores archive at start when a retention is configured, and stop on close', async () => {
    await autumnLog(db);
    const messages: string[] = [];
    // Real time now: everything dated 2025-09 to 2026-01 is past a one-day retention.
    const stores = await createStateStores({ records: { database: db }, log: (m) => messages.push(m), auditRetention: { days: 1, archiveDir, signingKey: () => key, keyMac } });
    try {
      // Every autumn month is due; verify() is asked once the last is archived (it reads the retained start first).
      await eventually(async () => expect((await db.query('SELECT month FROM govshare.audit_archives')).length).toBe(5), 20_000);
      expect(messages.some((m) => /archived 2025-09 \(records 1–8\)/.test(m))).toBe(true);
      expect(await stores.audit.verify()).toMatchObject({ ok: true });
    } finally {
      await stores.close();
    }
  });
});

describe('GOVSHARE_AUDIT_RETENTION_DAYS and GOVSHARE_AUDIT_ARCHIVE_DIR', () => {
  it('keeps everything by default, archives under the data dir, and refuses anything but a positive whole number', () => {
    expect(gatewayConfigFromEnv({ GOVSHARE_DATA_DIR: '/srv/govshare' }).auditRetention).toEqual({ days: null, archiveDir: '/srv/govshare/audit-archive' });
    expect(gatewayConfigFromEnv({ GOVSHARE_DATA_DIR: '/srv/govshare', GOVSHARE_AUDIT_RETENTION_DAYS: '365', GOVSHARE_AUDIT_ARCHIVE_DIR: '/mnt/archive' }).auditRetention)
      .toEqual({ days: 365, archiveDir: '/mnt/archive' });
    for (const bad of ['0', '-30', '1.5', 'thirty', '30d', '1e3x']) {
      expect(() => gatewayConfigFromEnv({ GOVSHARE_AUDIT_RETENTION_DAYS: bad }), bad).toThrow(/^GOVSHARE_AUDIT_RETENTION_DAYS: /);
    }
  });
});
