import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@volspike/runtime';
import { ActivityPoller, type LostSlotReason } from './activity-poller.js';

// Pacing of the share: slots spread evenly, a stalled event loop repaid without a burst, never more than
// the share in any 60 s. Fake timers: a stall is the clock jumping while no timer runs.
describe('ActivityPoller pacing', () => {
  const SHARE = 600; // weight/min: one slot every 100 ms
  let sent: number[];
  let lost: Record<string, number>;
  let poller: ActivityPoller;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    sent = [];
    lost = {};
    poller = new ActivityPoller({
      source: { openInterest: (symbol) => Promise.resolve({ symbol, openInterest: 1000, time: Date.now() }) },
      budget: { pausedUntil: () => null },
      trades: { tradedSince: () => 0, markPolled: () => undefined, live: () => true },
      logger: createLogger({ name: 'test', level: 'silent' }),
      weightPerMin: SHARE,
      rules: { maxStalenessMs: 120_000, activityUnit: 0.0005, minGapMs: 1000, guardMs: 2000 },
      onSample: () => undefined,
      onPoll: (_symbol, _reason, at) => sent.push(at),
      onLostSlots: (reason: LostSlotReason, slots: number) => {
        lost[reason] = (lost[reason] ?? 0) + slots;
      },
    });
    poller.setSymbols(Array.from({ length: 200 }, (_, i) => `S${i}USDT`));
    poller.start();
  });
  afterEach(async () => {
    await poller.stop();
    vi.useRealTimers();
  });

  /** Most polls sent in any window of `ms` (sliding over the send times). */
  const maxIn = (ms: number): number => {
    let best = 0;
    for (let i = 0, j = 0; i < sent.length; i++) {
      while ((sent[i] as number) - (sent[j] as number) >= ms) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  };

  it('spends the whole share, evenly, when nothing stalls', async () => {
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent.length).toBeGreaterThanOrEqual(SHARE - 2);
    expect(maxIn(60_000)).toBeLessThanOrEqual(SHARE);
    expect(maxIn(1000)).toBeLessThanOrEqual(SHARE / 60 + 2);
  });

  it('repays the slots a stalled event loop missed, spread out, within the share of any 60 s', async () => {
    await vi.advanceTimersByTimeAsync(10_000);
    vi.setSystemTime(Date.now() + 3000); // the loop stalls 3 s: no timer fires
    await vi.advanceTimersByTimeAsync(50_000 - 3000 + 30_000);
    const firstMinute = sent.filter((t) => t < 1_000_000 + 60_000).length;
    expect(firstMinute).toBeGreaterThanOrEqual(SHARE - 5); // the 30 missed slots were made up in the minute
    expect(maxIn(60_000)).toBeLessThanOrEqual(SHARE);
    // at most the 250 ms catch-up at once, then at most 1.25 × the rate
    expect(maxIn(1000)).toBeLessThanOrEqual(Math.ceil(1.25 * (SHARE / 60)) + 3);
    expect(lost.stall ?? 0).toBe(0);
  });

  it('owes at most 15 s of slots: a longer stall loses the rest, and says so', async () => {
    await vi.advanceTimersByTimeAsync(1000);
    vi.setSystemTime(Date.now() + 25_000);
    await vi.advanceTimersByTimeAsync(100);
    expect(lost.stall).toBeGreaterThan(90); // 25 s = 250 slots, 2.5 at once, 150 owed: about 97 lost
    expect(lost.stall).toBeLessThan(100);
  });
});
