import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { chainHash } from '../../gateway/state/audit-chain.ts';
import type { AuditRecord } from '../../gateway/state/types.ts';
import type { Database } from '../../subgraphs/kit/sql.ts';
import { REPO_ROOT } from '../support/sample.ts';
import type { Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import type { Role } from '../../gateway/identity/caller.ts';

/** Every member of a stored record: what an evidence export has to select for the hashes to be recomputed. */
export const RECORD_FIELDS = 'id seq at requestId consumer operator purpose operationName operationHash fields resources providers decision maskedFields durationMs errorCode inputDigest kind detail subjectsDigest format contentDigest redacted hash prevHash';
export const EVIDENCE_QUERY = `query Evidence($id: ID!) { exportAuditEvidence(id: $id) {
  record { ${RECORD_FIELDS} } chain { ${RECORD_FIELDS} } checkpoint { sequence recordId headHash at signature } } }`;
export const VERIFY_QUERY = 'query Verify($full: Boolean) { verifyAuditChain(full: $full) { ok checked firstBrokenId firstBrokenCheckpoint from } }';

export const ZHANG = '43010219850312123X';

/** A GraphQL call as `department` with `roles`; returns the body. */
export async function call(stack: Stack, query: string, variables: Record<string, unknown>, department: string, roles: Role[] = ['consumer'], purpose?: string) {
  const { body } = await stack.query(query, variables, await as(department, { roles, ...(purpose ? { purpose } : {}) }));
  return body;
}

/** What a department's read leaves in the log: the seq of its record, read back from the records. */
export async function readPerson(stack: Stack, department: string, operationName: string): Promise<number> {
  const body = await call(stack, `query ${operationName} { person(idNumber: "${ZHANG}") { name birthDate } }`, {}, department);
  expect(body.errors).toBeUndefined();
  const [row] = await stack.database.db.query<{ seq: string }>(
    `SELECT seq::text AS seq FROM govshare.audit_records WHERE record->>'operationName' = $1 ORDER BY seq DESC LIMIT 1`, [operationName]);
  return Number(row!.seq);
}

export async function exportEvidence(stack: Stack, id: number | string, department: string, roles: Role[] = ['consumer']) {
  return call(stack, EVIDENCE_QUERY, { id: String(id) }, department, roles);
}

/** Every page of `GET /audit/checkpoints`, as an outside party keeps them. */
export async function fetchCheckpointPages(stack: Stack, first = 500): Promise<Array<{ checkpoints: any[]; nextCursor: string | null; jwks: string }>> {
  const pages = [];
  let after: string | null = null;
  do {
    const response = await fetch(`${stack.gatewayUrl}/audit/checkpoints?first=${first}${after ? `&after=${after}` : ''}`);
    expect(response.status).toBe(200);
    const page = await response.json() as { checkpoints: any[]; nextCursor: string | null; jwks: string };
    pages.push(page);
    after = page.nextCursor;
  } while (after);
  return pages;
}

export function tempFile(name: string, content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'govshare-evidence-')), name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** `npm run -s verify-evidence -- …` as a user runs it. */
export function verifyEvidence(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '-s', 'verify-evidence', '--', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });
}

/**
 * What an attacker with write access to the records does: changes one field of record `seq`, then
 * recomputes that record's hash and every later one's (each chained on the one before) and moves the
 * head, so that the chain is consistent in itself again. The record's rows in the subject index, which
 * repeat its consumer and purpose, are changed alike. Checkpoints are left as they are unless the
 * attacker chooses otherwise.
 */
export async function rewriteAndRechain(db: Database, seq: number, field: keyof AuditRecord, value: unknown): Promise<void> {
  const rows = await db.query<{ record: AuditRecord }>('SELECT record FROM govshare.audit_records WHERE seq >= $1 ORDER BY seq', [seq]);
  let prevHash = rows[0]!.record.prevHash;
  for (const { record } of rows) {
    const { hash: _old, ...content } = record;
    const changed = { ...content, prevHash, ...(record.seq === seq ? { [field]: value } : {}) } as Omit<AuditRecord, 'hash'>;
    const hash = chainHash(prevHash, changed);
    await db.query('UPDATE govshare.audit_records SET record = $2::text::jsonb WHERE seq = $1', [record.seq, JSON.stringify({ ...changed, hash })]);
    prevHash = hash;
  }
  await db.query('UPDATE govshare.audit_head SET hash = $1', [prevHash]);
  if (field === 'consumer' || field === 'purpose') await db.query(`UPDATE govshare.audit_subjects SET ${field} = $2 WHERE seq = $1`, [seq, value]);
}
