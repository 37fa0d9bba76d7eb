/**
 * The value at quantile `q` (0–1) of ascending `sorted` latencies: the element at ⌊q·n⌋, the last for
 * q = 1; 0 for none. The one definition every benchmark and the scale test report p50/p95/p99 with.
 */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
