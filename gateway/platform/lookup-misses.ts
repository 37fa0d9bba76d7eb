import type { RecordStore, StateStores } from '../state/index.ts';
import { shanghaiDate } from '../workdays/index.ts';

/** Unknown-key lookups of one consumer on one day (Asia/Shanghai); `status` holds the count, for compare-and-set. */
export interface LookupMissRecord {
  id: string;
  status: string;
  consumer: string;
  day: string;
}

/** How far back `evaluation` adds up a consumer's unknown-key lookups. */
export const LOOKUP_MISS_WINDOW_DAYS = 30;
const ATTEMPTS = 5;

export class LookupMisses {
  private readonly store: RecordStore<LookupMissRecord>;

  constructor(state: StateStores) {
    this.store = state.records<LookupMissRecord>('lookup-misses', (r) => ({ consumer: r.consumer }), () => 0);
  }

  /** Adds `count` to today's record; concurrent replicas add through compare-and-set, never overwrite. */
  async add(consumer: string, count: number, now: Date): Promise<void> {
    if (count <= 0) return;
    const day = shanghaiDate(now);
    const id = `${consumer}|${day}`;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const current = await this.store.get(id);
      if (!current) {
        if (await this.store.createIfAbsent({ id, status: String(count), consumer, day })) return;
        continue;
      }
      if (await this.store.replaceIf(current.status, { ...current, status: String(Number(current.status) + count) })) return;
    }
    throw new Error(`lookup misses of ${consumer} not recorded: the record kept changing`);
  }

  /** The consumer's unknown-key lookups over the last `LOOKUP_MISS_WINDOW_DAYS` days, today included. */
  async recent(consumer: string, now: Date): Promise<number> {
    const since = shanghaiDate(new Date(now.getTime() - (LOOKUP_MISS_WINDOW_DAYS - 1) * 86_400_000));
    let total = 0;
    for (const r of await this.store.list({ name: 'consumer', value: consumer })) if (r.day >= since) total += Number(r.status);
    return total;
  }
}
