import type { AuditCheckpointStore, AuditVerifyOptions } from './audit-checkpoints.ts';
import type { AuditSubjectIndex } from './audit-subjects.ts';
import type { StateEvents } from './events.ts';
import type { Indexer, RecordStore, StoredRecord } from './record-store.ts';
/**
 * The platform's state as the gateway and the platform API see it. The records (grants, the audit log,
 * workflow records) live in PostgreSQL, schema `govshare`: an embedded PGlite under GOVSHARE_DATA_DIR by
 * default, a server with GOVSHARE_STATE_DATABASE_URL. Redis (REDIS_URL), when several replicas run, only
 * carries their announcements; nothing lives only there.
 */
export interface Grant {
  id: string; consumer: string; resource: string; fields: string[]; raw: boolean; purpose: string;
  validUntil: string;            // ISO 8601 timestamp
  createdAt: string; revokedAt: string | null; revokeReason: string | null; applicationId: string | null;
  /**
   * A confidential grant (an investigation's): the reads it clears stay out of subject access logs until the
   * end of this calendar date (Asia/Shanghai). Approved with the application; null or absent: not confidential.
   */
  confidentialUntil?: string | null;
}

export type NewGrant = Pick<Grant, 'consumer' | 'resource' | 'fields' | 'raw' | 'purpose' | 'validUntil'> & {
  applicationId?: string | null;
  confidentialUntil?: string | null;
  /** Chosen by the caller when the id must be known before the grant exists (an approval names its grant). */
  id?: string;
};

/** Not revoked and `validUntil` still ahead. An unparsable `validUntil` counts as expired: policy fails closed. */
export function isGrantActive(grant: Grant, now: Date): boolean {
  if (grant.revokedAt !== null) return false;
  const until = Date.parse(grant.validUntil);
  return Number.isFinite(until) && until > now.getTime();
}

export interface GrantStore {
  create(grant: NewGrant, now: Date): Promise<Grant>;
  get(id: string): Promise<Grant | null>;
  /** All grants (active or not) of the given consumers, in ONE round trip for the whole batch. */
  forConsumers(consumers: readonly string[]): Promise<Map<string, Grant[]>>;
  list(filter?: { consumer?: string; resource?: string }): Promise<Grant[]>;
  /** Sets revokedAt/revokeReason once (revoking again keeps the first revocation) and announces the change. null if unknown id. */
  revoke(id: string, reason: string, now: Date): Promise<Grant | null>;
  /**
   * Called with the consumer code whenever that consumer's grants change, on ANY process sharing the store
   * (Redis pub/sub across replicas; in-process otherwise). A listener may hear one change more than once (the writing
   * process announces it locally and again when its own pub/sub message comes back). Returns unsubscribe.
   */
  onChange(listener: (consumer: string) => void): () => void;
  /** Whether change notifications can currently be trusted (Redis subscriber connected; always true in-process). */
  notificationsLive(): boolean;
}

export type { AuditDecision, AuditEntry, AuditRecord } from './audit-record.ts';
import type { AuditEntry, AuditRecord } from './audit-record.ts';
export interface AuditPage { records: AuditRecord[]; nextCursor: string | null }
export interface AuditQuery {
  first: number;                 // 1..500, caller validates
  after?: string | null;         // opaque cursor from a previous page
  consumer?: string; resource?: string;   // filters
  /** Visibility: 'all' (admin), or a department code: records where consumer === code OR providers include code. */
  visibleTo: 'all' | string;
}
/**
 * `checked` counts the records examined: all of them when ok, up to and including the broken one otherwise.
 * With checkpoints checked (AuditVerifyOptions.checkpoints) also `from`, the first seq walked, and
 * `firstBrokenCheckpoint`, the sequence of the first checkpoint that no longer matches (null when none).
 */
export interface AuditChainStatus { ok: boolean; checked: number; firstBrokenId: string | null; from?: number; firstBrokenCheckpoint?: number | null }
export interface AuditLog {
  /** Appends and chains one record; resolves only once it is durably stored. Rejects if the store is unreachable. */
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** Newest first. Rejects with InvalidAuditCursorError when `after` is not a cursor this log handed out. */
  page(query: AuditQuery): Promise<AuditPage>;
  verify(options?: AuditVerifyOptions): Promise<AuditChainStatus>;
  /**
   * Runs `work` (a background check of the chain) unless another process sharing these records runs one:
   * then resolves null without running it. Replicas started together do not all walk the same backlog.
   */
  withVerifyLease<T>(work: () => Promise<T>): Promise<T | null>;
  /** The signed checkpoints of this log (CONTRACT §10); gateway/audit/ signs and schedules them. */
  checkpoints: AuditCheckpointStore;
  /** Whose records the data reads touched, by keyed digest (recall notices, subject access logs). */
  subjects: AuditSubjectIndex;
  /** Called after each commit of appends with the seq of the head it wrote; returns the unsubscribe. */
  onCommitted(listener: (headSeq: number) => void): () => void;
  /**
   * Per department: operations it made (consumed) and operations that touched its resources (served).
   * Read from counters kept in the append's transaction, so the cost does not grow with the log.
   */
  counts(departments: readonly string[]): Promise<Map<string, { consumed: number; served: number }>>;
}

export interface StateStores {
  /** The workflow record store under `kind` (applications, data issues, catalog and registry history). */
  records<T extends StoredRecord>(kind: string, indexer: Indexer<T>, orderOf: (record: T) => number): RecordStore<T>;
  /** Announcements to every replica sharing this state. */
  events: StateEvents;
  /** Where the records are: embedded PGlite or a PostgreSQL server. */
  kind: 'pglite' | 'postgres';
  /** How replicas hear of changes: within this process, or Redis pub/sub. */
  coordination: 'process' | 'redis';
  grants: GrantStore;
  audit: AuditLog;
  /**
   * Runs `work` in one database transaction: everything written through `tx` is committed together or not
   * at all (an approval and its grant). Grant changes are announced after the commit.
   */
  transaction<T>(work: (tx: StateTransaction) => Promise<T>): Promise<T>;
  /** Resolves when the records answer; rejects otherwise (used by /readyz). Redis is not asked: see index.ts. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What a transaction can write: record stores of this state, bound to it, and new grants. */
export interface StateTransaction {
  records<T extends StoredRecord>(store: RecordStore<T>): RecordStore<T>;
  grants: Pick<GrantStore, 'create' | 'get'>;
}

/** Thrown (wrapping the driver's error as `cause`) by every operation when the records or Redis can't be reached. */
export { StoreUnavailableError } from './store-call.ts';

/** A malformed `after` cursor: the caller's mistake (BAD_USER_INPUT), not an outage. */
export class InvalidAuditCursorError extends Error {
  override name = 'InvalidAuditCursorError';
}
