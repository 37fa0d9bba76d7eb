import { describe, expect, it } from 'vitest';
import { shanghaiDay } from '../subgraphs/kit/lookup-budget.ts';

/** The unknown-key budget counts per day in Asia/Shanghai; the kit computes the day with a fixed UTC+8 offset. */
describe('the lookup budget\'s day', () => {
  const intl = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

  it('is the day the time-zone database gives, around midnight and over years', () => {
    const instants: Date[] = [];
    for (let year = 1995; year <= 2040; year += 5) {
      for (const month of [0, 2, 5, 9, 11]) {
        // 15:59:59.999 and 16:00 UTC: the last instant of a Shanghai day and the first of the next.
        instants.push(new Date(Date.UTC(year, month, 28, 15, 59, 59, 999)), new Date(Date.UTC(year, month, 28, 16, 0, 0, 0)));
      }
    }
    for (const at of instants) expect(shanghaiDay(at), at.toISOString()).toBe(intl.format(at));
  });

  it('turns at 16:00 UTC', () => {
    expect(shanghaiDay(new Date('2026-09-30T15:59:59Z'))).toBe('2026-09-30');
    expect(shanghaiDay(new Date('2026-09-30T16:00:00Z'))).toBe('2026-10-01');
  });
});
