/** Async-iterable helpers that keep at most one batch in memory. */

/** Drops the first `count` items (the rows a previous run already answered). Resolves how many it dropped. */
export async function* skip<T>(items: AsyncIterable<T>, count: number, skipped: { count: number } = { count: 0 }): AsyncGenerator<T> {
  for await (const item of items) {
    if (skipped.count < count) { skipped.count++; continue; }
    yield item;
  }
}

/** Groups items into arrays of `size` (the last one may be shorter; no empty batch). */
export async function* inBatches<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) { yield batch; batch = []; }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Runs `work` on each batch with up to `parallel` batches in flight and hands the results to
 * `done` strictly in input order, one at a time. Memory holds at most `parallel` batches.
 */
export async function pipelineInOrder<B, R>(
  batches: AsyncIterable<B> | Iterable<B>, parallel: number, work: (batch: B) => Promise<R>, done: (result: R, batch: B) => Promise<void> | void,
): Promise<void> {
  const inflight: Array<{ batch: B; result: Promise<R> }> = [];
  const settle = async () => {
    const next = inflight.shift()!;
    await done(await next.result, next.batch);
  };
  try {
    for await (const batch of batches) {
      const result = work(batch);
      result.catch(() => {}); // awaited in order below; not an unhandled rejection meanwhile
      inflight.push({ batch, result });
      if (inflight.length >= parallel) await settle();
    }
  } catch (error) {
    // The input failed (a malformed row): keep what was already sent, then report the input's error.
    try { while (inflight.length > 0) await settle(); } catch { /* the input's error is the one to report */ }
    throw error;
  }
  while (inflight.length > 0) await settle();
}
