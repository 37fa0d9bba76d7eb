import { performance } from 'node:perf_hooks';
import type { JWK } from 'jose';
import type { SigningKey } from '../../protocol/gateway-signature.ts';
import type { AuditCheckpoint, CheckpointPayload, CheckpointTrust } from '../state/audit-checkpoints.ts';
import type { AuditLog } from '../state/types.ts';
import { auditKeyMac, type AuditKeyMac } from './audit-key-mac.ts';
import { checkpointTrust, signCheckpoint } from './checkpoint-signature.ts';

/** CONTRACT §10: a checkpoint at least every this many records. */
export const CHECKPOINT_EVERY_RECORDS = 1000;

export interface CheckpointerOptions {
  audit: AuditLog;
  /**
   * The gateway's keys (GatewayKeys), read at each use: a rotation applies to the next checkpoint.
   * Verification uses the audit's own key history, not the published set.
   */
  keys: { readonly signing: SigningKey & { publicJwk: JWK }; readonly auditKey: string };
  /** GOVSHARE_AUDIT_CHECKPOINT_SECONDS. */
  intervalSeconds: number;
  everyRecords?: number;
  now?: () => Date;
  log?: (message: string) => void;
}

/**
 * Decides when the audit chain's head is signed (CONTRACT §10) and asks the store to do it:
 * - by count: after an append commit that leaves the head `everyRecords` or more past the last checkpoint
 *   this process knows of (the commit is announced by the log; the checkpoint is made afterwards, so no
 *   answer waits for it; the store re-checks under its lock, so a replica that knew less makes nothing);
 * - by time: a tick every quarter interval makes one when the last checkpoint has not changed for a whole
 *   interval, as this process watched it, and records were added since. Elapsed time is this process's
 *   monotonic clock, not a checkpoint's `at`, so an injected or skewed clock cannot stall it;
 * - on demand (`checkpointNow`), for evidence no checkpoint covers yet.
 * One operation at a time in this process; `close` stops the triggers and waits for the one running.
 */
export class AuditCheckpointer {
  private readonly everyRecords: number;
  private readonly intervalMs: number;
  private readonly now: () => Date;
  private readonly log: (message: string) => void;
  /** The newest checkpoint this process saw, and since when (monotonic ms) it has been the newest. */
  private known: { sequence: number; recordSeq: number; since: number } = { sequence: 0, recordSeq: 0, since: performance.now() };
  private queue: Promise<unknown> = Promise.resolve();
  private queued = { count: false, time: false };
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private closed = false;
  private readonly keyMac: AuditKeyMac;

  constructor(private readonly options: CheckpointerOptions) {
    this.everyRecords = options.everyRecords ?? CHECKPOINT_EVERY_RECORDS;
    this.intervalMs = options.intervalSeconds * 1000;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? (() => {});
    this.keyMac = auditKeyMac(options.keys.auditKey);
  }

  start(): this {
    this.unsubscribe = this.options.audit.onCommitted((headSeq) => {
      if (headSeq - this.known.recordSeq >= this.everyRecords) this.trigger('count');
    });
    this.timer = setInterval(() => this.trigger('time'), Math.max(250, this.intervalMs / 4));
    this.timer.unref();
    this.trigger('time');
    return this;
  }

  /** A checkpoint of the current head unless the newest one already is of it; resolves to the newest. */
  async checkpointNow(): Promise<AuditCheckpoint | null> {
    return this.serial(async () => (await this.make(1)).last);
  }

  /** What verifyAuditChain trusts checkpoints with: the audit's key history, and the progress row's MAC. */
  trust(): CheckpointTrust {
    return checkpointTrust(() => this.options.audit.checkpoints.keys(), this.options.keys.auditKey);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await this.queue.catch(() => {});
  }

  private trigger(kind: 'count' | 'time'): void {
    if (this.closed || this.queued[kind]) return;
    this.queued[kind] = true;
    this.serial(async () => {
      this.queued[kind] = false;
      if (this.closed) return;
      if (kind === 'count') await this.make(this.everyRecords);
      else await this.byTime();
    }).catch((error: Error) => this.log(`audit checkpoint not made (${kind}): ${error.message}`));
  }

  private async byTime(): Promise<void> {
    const { last, headSeq } = await this.options.audit.checkpoints.status();
    this.observe(last);
    if (headSeq > this.known.recordSeq && performance.now() - this.known.since >= this.intervalMs) await this.make(1);
  }

  private async make(minRecords: number): Promise<{ made: AuditCheckpoint | null; last: AuditCheckpoint | null }> {
    const result = await this.options.audit.checkpoints.make({
      minRecords, at: this.now().toISOString(), ...this.signer(),
    });
    this.observe(result.last);
    return result;
  }

  /** The key of this checkpoint, read once: a rotation in between must not pair one key's signature with another's JWK. */
  private signer(): { sign: (payload: CheckpointPayload) => string; signer: JWK; signerMac: string } {
    const key = this.options.keys.signing;
    return { sign: (payload) => signCheckpoint(key, payload), signer: key.publicJwk, signerMac: this.keyMac.of(key.publicJwk) };
  }

  private observe(last: AuditCheckpoint | null): void {
    if (last && last.sequence !== this.known.sequence) this.known = { sequence: last.sequence, recordSeq: Number(last.recordId), since: performance.now() };
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }
}
