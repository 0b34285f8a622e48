import { describe, expect, it } from 'vitest';
import { PollLedger } from './poll-ledger.js';

describe('PollLedger', () => {
  it('records when and why each symbol was last polled, and the intervals between its polls', () => {
    let now = 0;
    const seen: [number, string][] = [];
    const ledger = new PollLedger(
      'activity',
      () => now,
      300_000,
      (sec, reason) => seen.push([sec, reason]),
    );
    ledger.setSymbols(['A', 'B']);
    ledger.record('A', 'staleness', 0);
    ledger.record('B', 'staleness', 100);
    ledger.record('A', 'activity', 2000);
    ledger.record('NOT-POLLED', 'activity', 2100); // not in the set: ignored
    now = 2500;
    expect(ledger.symbols()).toEqual([
      { symbol: 'A', lastPollAt: 2000, reason: 'activity', lastIntervalMs: 2000, polls: 2 },
      { symbol: 'B', lastPollAt: 100, reason: 'staleness', lastIntervalMs: null, polls: 1 },
    ]);
    expect(seen).toEqual([[2, 'activity']]);
    const s = ledger.stats();
    expect(s.pollsByReason).toEqual({ activity: 1, staleness: 2, fixed: 0 });
    expect(s.meanIntervalSec).toBeNull(); // less than 10 s of polling: no rate yet
    expect(s.maxStalenessSec).toBe(2.4); // B, open since 100
    expect(s.intervalSec).toEqual({ p50: 2, p90: 2, p99: 2, max: 2 });
  });

  it.each([
    { n: 10, perSec: 1, over: 60, mean: 10 },
    { n: 450, perSec: 2015 / 60, over: 60, mean: (60 * 450) / 2015 },
    { n: 100, perSec: 10, over: 20, mean: 10 }, // under a minute: the rate since the first poll
  ])('measured mean interval = 60·N ÷ polls per minute (N=$n, $perSec/s over $over s)', ({ n, perSec, over, mean }) => {
    let now = 0;
    const ledger = new PollLedger('fixed', () => now);
    const symbols = Array.from({ length: n }, (_, i) => `S${i}`);
    ledger.setSymbols(symbols);
    const total = Math.round(perSec * over);
    for (let k = 0; k < total; k++) ledger.record(symbols[k % n] as string, 'fixed', Math.floor((k * 1000) / perSec));
    now = over * 1000;
    expect(ledger.stats().meanIntervalSec).toBeCloseTo(mean, 1);
  });
});
