/**
 * Single use of a gateway signature (`jti`, CONTRACT §3 v1.1): remembers every accepted `jti` until
 * the moment its signature expires — after that the expiry check refuses it anyway, so forgetting is
 * safe. Bounded: when full of live entries it refuses new signatures ("full") rather than forget one
 * that could then be replayed.
 *
 * Sizing: live entries = calls per second × signature lifetime. The gateway signs for 30 s, so the
 * default 200,000 entries (about 30 MB) hold 6,000 calls per second to this subgraph per process.
 */
export class ReplayGuard {
  /** jti → expiry (epoch seconds), in insertion order, which is close to expiry order. */
  private readonly seen = new Map<string, number>();
  private lastSweep = 0;

  constructor(private readonly capacity = 200_000, private readonly now = () => Date.now() / 1000) {}

  use(jti: string, expiresAt: number): 'first' | 'replayed' | 'full' {
    const now = this.now();
    this.dropExpired(now, 2);
    const known = this.seen.get(jti);
    if (known !== undefined && known >= now) return 'replayed';
    if (this.seen.size >= this.capacity) {
      // At most one full sweep a second: a full map under load must not cost O(n) per request.
      if (now - this.lastSweep >= 1) {
        this.lastSweep = now;
        this.dropExpired(now, Infinity);
      }
      if (this.seen.size >= this.capacity) return 'full';
    }
    this.seen.delete(jti);
    this.seen.set(jti, expiresAt);
    return 'first';
  }

  get size(): number {
    return this.seen.size;
  }

  /**
   * Drops expired entries from the oldest end: a few per call keep the map at its live size without a
   * timer; a full sweep only when the map is full (lifetimes differ, so expiry order is not exact).
   */
  private dropExpired(now: number, limit: number): void {
    let dropped = 0;
    if (limit === Infinity) {
      for (const [jti, exp] of this.seen) if (exp < now) this.seen.delete(jti);
      return;
    }
    for (const [jti, exp] of this.seen) {
      if (exp >= now || dropped >= limit) return;
      this.seen.delete(jti);
      dropped++;
    }
  }
}
