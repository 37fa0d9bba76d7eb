/**
 * One run per key at a time: callers that ask while a run for their key is under way get that run's
 * answer instead of starting another. For the chain check: any department may ask for it, and twenty
 * asking at once would otherwise walk the same records twenty times. The head a run reads first bounds
 * what it checks, so a caller that joins gets a status as of a moment before it asked, never a stale
 * success over records it could not have seen.
 */
export function sharedWhileRunning<K, T>(run: (key: K) => Promise<T>): (key: K) => Promise<T> {
  const running = new Map<K, Promise<T>>();
  return (key) => {
    const under = running.get(key);
    if (under) return under;
    const started = run(key).finally(() => running.delete(key));
    running.set(key, started);
    return started;
  };
}
