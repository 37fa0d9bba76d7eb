import { createHash } from 'node:crypto';
import type { AuditChainStatus, AuditEntry, AuditRecord } from './types.ts';
import type { SubjectRead } from './audit-record.ts';

/** `prevHash` of record 1. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted recursively and no whitespace, so a record hashes the same whatever order
 * its keys were written or parsed in. `undefined` (and functions/symbols) are dropped from objects and
 * become `null` in arrays, exactly as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? 'null';
}

function write(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value) as string | undefined;
  if (Array.isArray(value)) return `[${value.map((item) => write(item) ?? 'null').join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const text = write((value as Record<string, unknown>)[key]);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * The format of the records written now. Format 1 (records without `format`):
 * `hash = sha256hex(prevHash + '\n' + canonicalJson(record without hash))`. Format 2 hashes a digest of the
 * content instead: `hash = sha256hex(prevHash + '\n' + contentDigest)`, `contentDigest =
 * sha256hex(canonicalJson(record without hash and prevHash))`, `format: 2` being part of the content. The
 * chain is as strong (the digest is SHA-256 of the same bytes bar prevHash, which the link hashes), and a
 * record can be shown as its digest alone: evidence carries other departments' records between a record
 * and its checkpoint that way (gateway/audit/evidence.ts), their contents left out.
 */
export const RECORD_FORMAT = 2;

/** The hash of a record of either format, from its stored members (all but `hash`). */
export function chainHash(prevHash: string, recordWithoutHash: Omit<AuditRecord, 'hash'>): string {
  if (recordWithoutHash.format === undefined) return createHash('sha256').update(`${prevHash}\n${canonicalJson(recordWithoutHash)}`).digest('hex');
  // A format this code does not know matches no hash: the record is reported broken, not passed unread.
  if (recordWithoutHash.format !== RECORD_FORMAT) return `unknown record format ${JSON.stringify(recordWithoutHash.format)}`;
  return linkHash(prevHash, contentDigest(recordWithoutHash));
}

/** A format-2 record's content digest: sha256hex of the canonical JSON of all its members but `hash` and `prevHash`. */
export function contentDigest(record: Omit<AuditRecord, 'hash'>): string {
  const { prevHash: _prevHash, ...content } = record;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** A format-2 record's hash: its predecessor's hash and its content digest. */
export function linkHash(prevHash: string, digest: string): string {
  return createHash('sha256').update(`${prevHash}\n${digest}`).digest('hex');
}

/** The members of a sealed record's content (all but `hash` and `prevHash`), sorted: the canonical order. */
const CONTENT_KEYS: readonly string[] = ['at', 'consumer', 'decision', 'detail', 'durationMs', 'errorCode', 'fields', 'format', 'id',
  'inputDigest', 'kind', 'maskedFields', 'operationHash', 'operationName', 'operator', 'providers', 'purpose', 'requestId', 'resources',
  'seq', 'subjectsDigest'];

/**
 * chainHash for a record sealRecord built: its values are strings, numbers, null and arrays of strings,
 * so JSON.stringify with the sorted key list writes exactly canonicalJson's bytes, without sorting per
 * record (this runs once per request). Verification keeps the generic canonicalJson, so a key added
 * to a stored record still breaks the chain.
 */
function sealHash(prevHash: string, unsealed: Omit<AuditRecord, 'hash'>): string {
  return linkHash(prevHash, createHash('sha256').update(JSON.stringify(unsealed, CONTENT_KEYS as string[])).digest('hex'));
}

/**
 * The record that follows `prevHash` at position `seq`. Only the entry's known fields are copied, so a
 * caller's extra properties can neither reach the log nor change the hash.
 */
export function sealRecord(entry: AuditEntry, seq: number, prevHash: string): AuditRecord {
  const unsealed: Omit<AuditRecord, 'hash'> = {
    id: String(seq), seq, prevHash, format: RECORD_FORMAT,
    at: entry.at, requestId: entry.requestId, consumer: entry.consumer, operator: entry.operator,
    purpose: entry.purpose, operationName: entry.operationName, operationHash: entry.operationHash,
    fields: [...entry.fields], resources: [...entry.resources], providers: [...entry.providers],
    decision: entry.decision, maskedFields: [...entry.maskedFields], durationMs: entry.durationMs,
    errorCode: entry.errorCode, inputDigest: entry.inputDigest, kind: entry.kind, detail: entry.detail,
    subjectsDigest: subjectsCommitment(entry.subjects ?? [], entry.embargoUntil ?? null),
  };
  return { ...unsealed, hash: sealHash(prevHash, unsealed) };
}

/**
 * What a record commits to of its rows in the subject index (govshare.audit_subjects): sha256hex of the
 * canonical JSON `{"embargoUntil": ISO time or null, "subjects": [[digest, [field, …]], …]}`, subjects by
 * digest and fields sorted. The rows' consumer, purpose and time are the record's own, checked against it.
 * A digest is keyed (subject-digest.ts): the commitment says nothing about whose records were read.
 */
export function subjectsCommitment(subjects: ReadonlyArray<SubjectRead>, embargoUntil: string | null): string {
  const rows = subjects.map((s) => [s.digest, [...s.fields].sort()] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const embargo = embargoUntil === null ? null : new Date(embargoUntil).toISOString();
  // Keys in sorted order, values strings, null and arrays of strings: JSON.stringify writes canonicalJson's
  // bytes without its generic walk (a comparison of 1,000 claims commits to 1,000 subjects; tests compare the two).
  return createHash('sha256').update(JSON.stringify({ embargoUntil: embargo, subjects: rows })).digest('hex');
}

/**
 * Checks records fed in seq order, one at a time, so a log of any length is verified in constant memory.
 * Stops at the first break: a record whose seq skips (a deleted record: the one after the gap is reported),
 * whose prevHash is not its predecessor's hash, or whose hash does not match its content.
 */
export class ChainVerifier {
  private prevHash: string;
  private lastSeq: number;
  private checked = 0;
  private brokenId: string | null = null;

  /**
   * `start` is where the walk begins: after record `afterSeq`, whose hash is `prevHash` (the genesis, the
   * first retained record once older ones were archived, or a verified checkpoint).
   */
  constructor(start: { afterSeq: number; prevHash: string } = { afterSeq: 0, prevHash: GENESIS_HASH }) {
    this.prevHash = start.prevHash;
    this.lastSeq = start.afterSeq;
  }

  /**
   * Feeds the next stored record (anything parsed from storage: it is validated here). `fallbackId` names it
   * when it is too damaged to carry its own id. Returns false once the chain is broken: stop feeding.
   */
  add(stored: unknown, fallbackId: string): boolean {
    if (this.brokenId !== null) return false;
    this.checked += 1;
    if (!isRecordShaped(stored)) return this.break(fallbackId);
    const { hash, ...unsealed } = stored;
    if (stored.seq !== this.lastSeq + 1 || stored.id !== String(stored.seq)) return this.break(stored.id);
    if (stored.prevHash !== this.prevHash || chainHash(stored.prevHash, unsealed) !== hash) return this.break(stored.id);
    this.prevHash = hash;
    this.lastSeq = stored.seq;
    return true;
  }

  /** The verdict; `headSeq` (the store's own count) catches records missing from the end of the log. */
  finish(headSeq = this.lastSeq): AuditChainStatus {
    if (this.brokenId === null && headSeq !== this.lastSeq) this.brokenId = String(this.lastSeq + 1);
    return { ok: this.brokenId === null, checked: this.checked, firstBrokenId: this.brokenId };
  }

  /** The record fed last is broken for a reason outside its own hash (its rows in the subject index). */
  reject(id: string): false {
    return this.break(id);
  }

  private break(id: string): false {
    this.brokenId = id;
    return false;
  }
}

function isRecordShaped(value: unknown): value is AuditRecord {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Partial<AuditRecord>;
  return typeof r.id === 'string' && typeof r.seq === 'number' && Number.isSafeInteger(r.seq)
    && typeof r.prevHash === 'string' && typeof r.hash === 'string';
}
