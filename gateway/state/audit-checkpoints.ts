import type { JSONWebKeySet, JWK } from 'jose';
import type { AuditRecord } from './audit-record.ts';

/** What a checkpoint's signature covers, exactly these four members (CONTRACT §10). */
export interface CheckpointPayload { sequence: number; recordId: string; headHash: string; at: string }

/** A signed checkpoint: the chain up to record `recordId` hashes to `headHash`, as the gateway saw it at `at`. */
export interface AuditCheckpoint extends CheckpointPayload {
  /** Compact JWS over the payload with the gateway's key, `kid` in its header. */
  signature: string;
}

/** When a checkpoint is due; the store makes it only if the head is at least `minRecords` past the last one. */
export interface CheckpointRequest {
  minRecords: number;
  at: string;
  /** Signs the payload (the store decides `sequence`, `recordId` and `headHash` under its lock). */
  sign(payload: CheckpointPayload): string;
  /** The public JWK `sign` signs with: entered in the audit's key history with the checkpoint. */
  signer: JWK;
  /** Its MAC in the key history (gateway/audit/audit-key-mac.ts). */
  signerMac: string;
}

/** The checkpoints of one audit log and what the evidence export reads beside them. */
export interface AuditCheckpointStore {
  /** Makes the next checkpoint of the current head when due; `made` is null when it was not. `last` is the newest after the call. */
  make(request: CheckpointRequest): Promise<{ made: AuditCheckpoint | null; last: AuditCheckpoint | null }>;
  /** The newest checkpoint and the head seq, read together without locking (whether one is due). */
  status(): Promise<{ last: AuditCheckpoint | null; headSeq: number }>;
  /** Newest first, those with `sequence < before` when given. */
  page(first: number, before: number | null): Promise<AuditCheckpoint[]>;
  /** The first checkpoint whose record is `seq` or later: the one that covers record `seq`. */
  covering(seq: number): Promise<AuditCheckpoint | null>;
  /** The stored records `fromSeq`…`toSeq`, in order (what survives of them: a gap is the reader's to see). */
  records(fromSeq: number, toSeq: number): Promise<AuditRecord[]>;
  /**
   * Every key that signed a checkpoint or an archive manifest, public members and each row's `mac`: filter
   * with AuditKeyMac.trusted before trusting or serving them (GET /audit/keys).
   */
  keys(): Promise<JSONWebKeySet>;
}

/**
 * What lets verification trust checkpoints: their signatures under the audit's key history, and a MAC over the
 * verification-progress row. Keys live in gateway/keys/, so the store is handed this rather than keys.
 */
export interface CheckpointTrust {
  /** Whether the signature verifies under the audit's key history and signs exactly this checkpoint's payload. */
  verify(checkpoint: AuditCheckpoint): Promise<boolean>;
  /** MAC of the progress row's text. */
  progressMac(text: string): string;
}

export interface AuditVerifyOptions {
  /**
   * Checks the chain against every checkpoint and resumes after the last checkpoint verified before.
   * Without it only the chain is walked, from the first retained record.
   */
  checkpoints?: CheckpointTrust;
  /** Walks from the first retained record and checks every signature, whatever was verified before. */
  full?: boolean;
  /** Clock of the progress row's `verified_at`. */
  now?: () => Date;
}
