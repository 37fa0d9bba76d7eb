/** What the `/graphql` route asks: 0 when a department's request may pass, else the seconds to wait. */
export interface DepartmentRateLimiter {
  take(department: string): number | Promise<number>;
  close?(): Promise<void>;
}

/**
 * A token bucket per department: `ratePerSecond` sustained, `burst` at once, in this process. Alone it
 * is the one-process mode (and the fallback while Redis is away); with Redis, `SharedRateLimiter`
 * keeps one bucket per department for all replicas and uses this one as a free local pre-check. The
 * limit exists to stop a runaway client, not to meter use (the audit log does that).
 */
export class RateLimiter implements DepartmentRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly ratePerSecond: number, private readonly burst: number, private readonly now: () => number = () => performance.now()) {}

  /** 0 when the request may pass; otherwise the seconds to wait before a token is available. */
  take(key: string): number {
    if (this.ratePerSecond <= 0) return 0;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond));
  }

  /** Gives back the token of a request that was not let through after all (the shared bucket refused it). */
  refund(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.burst, bucket.tokens + 1);
  }
}
