import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPem, signingKeyFromPem, type GatewaySigningKey } from '../../gateway/keys/signing-key.ts';
import { createMonthPartition } from '../../gateway/records/audit-partitions.ts';
import { archiveExpiredMonths, retainedChainStart } from '../../gateway/records/audit-retention.ts';
import { migrate } from '../../gateway/records/migrate.ts';
import { SqlAuditLog } from '../../gateway/records/sql-audit.ts';
import type { Database } from '../../subgraphs/kit/index.ts';
import { openTestDatabase, POSTGRES_URL, type TestDatabase } from '../support/databases.ts';
import { sampleEntry } from '../state-helpers.ts';
import { auditKeyMac } from '../../gateway/audit/audit-key-mac.ts';
import type { JWK } from 'jose';

const kinds = ['pglite' as const, ...(POSTGRES_URL ? ['postgres' as const] : [])];
const NOW = new Date('2026-01-25T12:00:00Z');
/** Every month up to November 2025 is wholly older than this; December is not. */
const DAYS = 40;
const MONTHS = ['2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01'];
const PER_MONTH = 40;

let key: GatewaySigningKey;
const folders: string[] = [];
beforeAll(async () => { key = await signingKeyFromPem(generateSigningKeyPem(), 'test key'); });
afterAll(() => { for (const dir of folders) rmSync(dir, { recursive: true, force: true }); });

async function monthlyLog(db: Database): Promise<SqlAuditLog> {
  await migrate(db);
  for (const month of MONTHS) await createMonthPartition(db, month);
  const log = new SqlAuditLog(db);
  let i = 0;
  for (const month of MONTHS) {
    // Issued together, appended in this order (group commit).
    await Promise.all(Array.from({ length: PER_MONTH }, (_, n) => log.append(sampleEntry(i++, {
      at: new Date(`${month}-${String(Math.floor(n / 2) + 1).padStart(2, '0')}T${n % 2 ? '16' : '08'}:00:00Z`).toISOString(),
    }))));
  }
  return log;
}

function archiveOptions(days = DAYS) {
  const archiveDir = mkdtempSync(join(tmpdir(), 'govshare-archive-race-'));
  folders.push(archiveDir);
  return { days, archiveDir, signingKey: () => key, keyMac: (jwk: JWK) => auditKeyMac('verify-while-archiving test audit key').of(jwk), now: NOW };
}

/**
 * The database, except that `beforeStatement` runs (on the real database) just before the first statement
 * matching `pattern` is sent, once: an archive committing exactly between two of verify()'s statements.
 */
function interleaved(db: Database, pattern: RegExp, beforeStatement: () => Promise<unknown>): Database {
  let pending = true;
  return {
    kind: db.kind,
    async query(text, params) {
      if (pending && pattern.test(text)) {
        pending = false;
        await beforeStatement();
      }
      return db.query(text, params);
    },
    exec: (script) => db.exec(script),
    transaction: (work) => db.transaction(work),
    close: () => db.close(),
  } as Database;
}

describe.each(kinds)('verify() while the archiver drops months (%s)', (kind) => {
  const opened: TestDatabase[] = [];
  afterAll(async () => { for (const d of opened) await d.dispose(); });
  const open = async () => { const d = await openTestDatabase(kind); opened.push(d); return d.db; };

  it('an archive committed after the chain start was read and before the walk is no break', { timeout: 60_000 }, async () => {
    const db = await open();
    await monthlyLog(db);
    let archived: string[] = [];
    // The first statement of the walk: the start was read before the archive, the records after it.
    const racing = new SqlAuditLog(interleaved(db, /FROM govshare\.audit_records r WHERE r\.seq > \$1/, async () => {
      archived = (await archiveExpiredMonths(db, archiveOptions())).archived;
    }));
    const status = await racing.verify();
    expect(archived).toEqual(['2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11']);
    expect(status).toEqual({ ok: true, checked: 2 * PER_MONTH, firstBrokenId: null });
    expect((await retainedChainStart(db)).afterSeq).toBe(6 * PER_MONTH);
  });

  it('a record really missing is still reported when nothing was archived meanwhile (the attack the restart must not hide)', { timeout: 60_000 }, async () => {
    const db = await open();
    const log = await monthlyLog(db);
    await archiveExpiredMonths(db, archiveOptions());
    // Someone deletes the first retained record and does not touch the archive list (the walk names the
    // record that no longer follows on).
    await db.query('DELETE FROM govshare.audit_records WHERE seq = $1', [6 * PER_MONTH + 1]);
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenId: String(6 * PER_MONTH + 2) });
    // And one deleted further on, while a month is archived during the walk: found on the restart.
    const db2 = await open();
    await monthlyLog(db2);
    await db2.query('DELETE FROM govshare.audit_records WHERE seq = $1', [7 * PER_MONTH + 5]);
    const racing = new SqlAuditLog(interleaved(db2, /FROM govshare\.audit_records r WHERE r\.seq > \$1/, () => archiveExpiredMonths(db2, archiveOptions())));
    expect(await racing.verify()).toMatchObject({ ok: false, firstBrokenId: String(7 * PER_MONTH + 6) });
  });

  it('months archived one by one while verifications run back to back: never a false break', { timeout: 120_000 }, async () => {
    const db = await open();
    const log = await monthlyLog(db);
    let archiving = true;
    const verdicts: Array<{ ok: boolean; firstBrokenId: string | null }> = [];
    const verifying = (async () => {
      while (archiving) {
        verdicts.push(await log.verify());
        // PGlite answers on microtasks only: without a turn of the event loop the archiver's file writes would never run.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    // One month per run (a retention that moves a month at a time), as a long-running archiver would.
    const runs: string[] = [];
    for (let days = 7 * 31 + 40; days >= DAYS; days -= 31) {
      runs.push(...(await archiveExpiredMonths(db, archiveOptions(days))).archived);
    }
    archiving = false;
    await verifying;
    expect(runs).toEqual(['2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11']);
    expect(verdicts.length).toBeGreaterThan(3);
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
    expect(await log.verify()).toEqual({ ok: true, checked: 2 * PER_MONTH, firstBrokenId: null });
  });
});
