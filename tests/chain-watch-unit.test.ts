import { describe, expect, it } from 'vitest';
import { AuditChainWatch, type ChainCheckOutcome } from '../gateway/audit/chain-watch.ts';
import type { AuditChainStatus } from '../gateway/state/types.ts';

const intact: AuditChainStatus = { ok: true, checked: 3, firstBrokenId: null, from: 1, firstBrokenCheckpoint: null };

describe('AuditChainWatch', () => {
  it('checks on its timer, reports each outcome, and shares a run with a check asked for meanwhile', async () => {
    const outcomes: ChainCheckOutcome[] = [];
    let runs = 0;
    let release: () => void = () => {};
    const watch = new AuditChainWatch({
      verify: async () => { runs++; await new Promise<void>((resolve) => { release = resolve; }); return intact; },
      intervalSeconds: 3600, firstDelayMs: 0, report: (o) => outcomes.push(o),
    }).start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toBe(1);
    const asked = watch.check(false); // joins the timer's run rather than walking again
    release();
    expect(await asked).toEqual(intact);
    expect(runs).toBe(1);
    expect(outcomes.map((o) => o.result)).toEqual(['intact']);
    await watch.close();
  });

  it('does not hold a shutdown for a long walk, and reports nothing of a walk cut short by it', async () => {
    const outcomes: ChainCheckOutcome[] = [];
    let fail: (error: Error) => void = () => {};
    const watch = new AuditChainWatch({
      verify: () => new Promise<AuditChainStatus>((_, reject) => { fail = reject; }), // the first walk of a big log
      intervalSeconds: 3600, firstDelayMs: 0, report: (o) => outcomes.push(o),
    }).start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await watch.close();
    expect(performance.now() - started).toBeLessThan(1500);
    fail(new Error('the records were closed'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(outcomes).toEqual([]);
  });

  it('with an interval of 0 checks only when asked', async () => {
    let runs = 0;
    const watch = new AuditChainWatch({ verify: async () => { runs++; return intact; }, intervalSeconds: 0, firstDelayMs: 0, report: () => {} }).start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toBe(0);
    await watch.check(true);
    expect(runs).toBe(1);
    await watch.close();
  });
});
