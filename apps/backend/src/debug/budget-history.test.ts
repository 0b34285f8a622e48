import { describe, expect, it } from 'vitest';
import { BudgetHistory } from './budget-history.js';

const snap = (at: number, used: Record<string, number>) => ({
  at,
  limitPerMin: 2400,
  usablePerMin: 2160,
  usedLastMinute: Object.values(used).reduce((a, b) => a + b, 0),
  serverUsedWeight1m: null,
  headroom: 2160 - Object.values(used).reduce((a, b) => a + b, 0),
  queued: 0,
  pausedUntil: null,
  pauseReason: null,
  rejected429: 0,
  banned418: 0,
  byComponent: Object.fromEntries(
    Object.entries(used).map(([k, v]) => [
      k,
      { usedLastMinute: v, requestsLastMinute: v, reservePerMin: 0, queued: 0 },
    ]),
  ),
});

describe('BudgetHistory', () => {
  it('keeps snapshots in time order, ignoring repeats, older ones and malformed messages', () => {
    const h = new BudgetHistory();
    expect(h.add(snap(1000, { 'oi-poller': 10 }))).toBe(true);
    expect(h.add(snap(1000, { 'oi-poller': 11 }))).toBe(false);
    expect(h.add(snap(500, { 'oi-poller': 12 }))).toBe(false);
    expect(h.add({ at: 'soon' })).toBe(false);
    expect(h.add(null)).toBe(false);
    expect(h.add(snap(2000, { 'oi-poller': 20, 'universe-job': 40 }))).toBe(true);
    expect(h.history().map((p) => [p.at, p.byComponent])).toEqual([
      [1000, { 'oi-poller': 10 }],
      [2000, { 'oi-poller': 20, 'universe-job': 40 }],
    ]);
    expect(h.components()).toEqual(['oi-poller', 'universe-job']);
    expect(h.latest()?.usedLastMinute).toBe(60);
  });

  it('drops points beyond the size and age limits', () => {
    const h = new BudgetHistory(3, 10_000);
    for (let i = 1; i <= 5; i++) h.add(snap(i * 1000, { a: i }));
    expect(h.history().map((p) => p.at)).toEqual([3000, 4000, 5000]);
    h.add(snap(14_500, { a: 1 }));
    expect(h.history().map((p) => p.at)).toEqual([5000, 14_500]);
  });
});
