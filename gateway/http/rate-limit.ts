/**
 * A token bucket per department: `ratePerSecond` sustained, `burst` at once. Kept per gateway replica
 * (a deployment of N replicas allows N × the rate) so the check costs no round trip to Redis on the
 * hot path; the limit exists to stop a runaway client, not to meter use (the audit log does that).
 */
export class RateLimiter {
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
}
