import type { AuditChainStatus } from '../state/types.ts';
import { sharedWhileRunning } from './shared-check.ts';

/** GOVSHARE_AUDIT_VERIFY_SECONDS' default: the chain is checked at least this often without anyone asking. */
export const DEFAULT_AUDIT_VERIFY_SECONDS = 300;

/** How long `close` waits for a check under way before the records close under it. */
const CLOSE_WAIT_MS = 1000;

/** What a watch reports after each check (metrics, the error log). */
export interface ChainCheckOutcome {
  /** `failed`: the records could not be read, so nothing is known either way. */
  result: 'intact' | 'broken' | 'failed';
  status: AuditChainStatus | null;
  at: Date;
  error?: Error;
}

export interface AuditChainWatchOptions {
  /** One check of the chain against the signed checkpoints (the audit log's `verify` with the checkpointer's trust). */
  verify: (full: boolean) => Promise<AuditChainStatus>;
  /** Runs the timer's check unless another replica runs one (AuditLog.withVerifyLease); null: skipped. */
  lease?: <T>(work: () => Promise<T>) => Promise<T | null>;
  /** Seconds between the watch's own incremental checks; 0 leaves every check to callers. */
  intervalSeconds: number;
  report: (outcome: ChainCheckOutcome) => void;
  now?: () => Date;
  /** The first check's delay within the first interval (tests pass 0); defaults to a random fraction of it. */
  firstDelayMs?: number;
}

/**
 * Checks the audit chain on a timer, so that tampering is found by the platform itself and not only when a
 * department happens to ask, and so the first `verifyAuditChain` after a long quiet time or an import does not
 * walk the whole backlog for its caller: the incremental check moves the shared progress row forward.
 * Checks asked for (`check`) and the timer's share one run per kind at a time, and every outcome is reported
 * alike. The first run starts at a random moment of the first interval: replicas started together do not
 * walk the same backlog at once.
 */
export class AuditChainWatch {
  private readonly shared: (full: boolean) => Promise<AuditChainStatus>;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: AuditChainWatchOptions) {
    this.now = options.now ?? (() => new Date());
    this.shared = sharedWhileRunning((full: boolean) => this.run(full));
  }

  /** A check for a caller: joins one of the same kind under way. */
  check(full: boolean): Promise<AuditChainStatus> {
    return this.shared(full);
  }

  start(): this {
    const intervalMs = this.options.intervalSeconds * 1000;
    if (intervalMs <= 0) return this;
    const tick = (delay: number) => {
      this.timer = setTimeout(() => {
        if (this.closed) return;
        // Another replica's check under way covers this one: skipped, not reported, tried again next interval.
        const lease = this.options.lease ?? ((work) => work());
        const run = lease(() => this.shared(false)).catch(() => {}); // failures are reported by run()
        this.running = run;
        void run.then(() => { if (!this.closed) tick(intervalMs); });
      }, delay);
      this.timer.unref();
    };
    tick(this.options.firstDelayMs ?? Math.floor(Math.random() * intervalMs));
    return this;
  }

  /**
   * Stops the timer. A check of its own under way is waited for a moment only: the first walk of a large
   * imported log takes minutes, and a SIGTERM must not wait past its drain bound for it. One cut short by the
   * records closing under it is not reported.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((resolve) => { timer = setTimeout(resolve, CLOSE_WAIT_MS); })]);
    clearTimeout(timer);
  }

  private async run(full: boolean): Promise<AuditChainStatus> {
    try {
      const status = await this.options.verify(full);
      this.options.report({ result: status.ok ? 'intact' : 'broken', status, at: this.now() });
      return status;
    } catch (error) {
      if (!this.closed) this.options.report({ result: 'failed', status: null, at: this.now(), error: error as Error });
      throw error;
    }
  }
}
