import { describe, expect, it } from 'vitest';
import {
  pickNextPoll,
  pollPriority,
  slotMsFor,
  stalenessCapacity,
  stalenessDue,
  stalenessProblem,
  type ActivityCandidate,
  type ActivityRules,
} from './oi-scheduler.js';

const RULES: ActivityRules = {
  maxStalenessMs: 30_000,
  activityUnit: 0.0005,
  minGapMs: 1000,
  slotMs: 60_000 / 2000,
  guardMs: 1500,
};
const NOW = 1_000_000;

const cand = (symbol: string, over: Partial<ActivityCandidate> = {}): ActivityCandidate => ({
  symbol,
  lastPollAt: NOW - 10_000,
  addedAt: 0,
  tradedSincePoll: 0,
  openInterest: 1_000_000,
  ...over,
});

describe('pollPriority', () => {
  it.each([
    { why: 'nothing traded, just polled', c: cand('A', { lastPollAt: NOW }), want: 0 },
    { why: 'nothing traded, half the staleness bound old', c: cand('A', { lastPollAt: NOW - 15_000 }), want: 0.5 },
    {
      why: '0.05 % of OI traded since a fresh poll = one unit',
      c: cand('A', { lastPollAt: NOW, tradedSincePoll: 500 }),
      want: 1,
    },
    {
      why: 'traded and age add up',
      c: cand('A', { lastPollAt: NOW - 15_000, tradedSincePoll: 1000 }),
      want: 2.5,
    },
    {
      why: 'the same trades weigh more against a smaller OI',
      c: cand('A', { lastPollAt: NOW, tradedSincePoll: 500, openInterest: 100_000 }),
      want: 10,
    },
    {
      why: 'traded unknown (stream down): age only',
      c: cand('A', { lastPollAt: NOW - 15_000, tradedSincePoll: null }),
      want: 0.5,
    },
    { why: 'never polled comes first', c: cand('A', { lastPollAt: null }), want: Number.POSITIVE_INFINITY },
    { why: 'no OI sample yet comes first', c: cand('A', { openInterest: null }), want: Number.POSITIVE_INFINITY },
    {
      why: 'OI of zero: age only (never a division by zero)',
      c: cand('A', { lastPollAt: NOW - 3000, openInterest: 0, tradedSincePoll: 5 }),
      want: 0.1,
    },
  ])('$why → $want', ({ c, want }) => {
    expect(pollPriority(c, NOW, RULES)).toBeCloseTo(want, 9);
  });

  it('grows with the contracts traded and with the time since the last poll', () => {
    const base = pollPriority(cand('A', { tradedSincePoll: 100 }), NOW, RULES);
    expect(pollPriority(cand('A', { tradedSincePoll: 200 }), NOW, RULES)).toBeGreaterThan(base);
    expect(pollPriority(cand('A', { tradedSincePoll: 100 }), NOW + 1000, RULES)).toBeGreaterThan(base);
  });
});

describe('stalenessDue (least slack)', () => {
  it.each([
    { why: 'plenty of slack: nobody is due', ages: [10_000, 5000, 1000], want: null },
    { why: 'one past maxStaleness − guard is due', ages: [28_600, 5000, 1000], want: 'S0' },
    { why: 'the earliest deadline goes first', ages: [20_000, 28_700, 28_600], want: 'S1' },
    // 1000 symbols all 10 s old: serving them one per 30 ms slot takes 30 s, so the last would be late
    { why: 'a crowd of equal ages is due long before any single one', ages: Array(1000).fill(10_000), want: 'S0' },
    {
      why: 'the same crowd, fresher: 500 × 30 ms = 15 s fits before 28.5 s − 10 s',
      ages: Array(500).fill(10_000),
      want: null,
    },
  ])('$why', ({ ages, want }) => {
    const cs = ages.map((a: number, i: number) => cand(`S${i}`, { lastPollAt: NOW - a }));
    expect(stalenessDue(cs, NOW, RULES)?.symbol ?? null).toBe(want);
  });

  it('counts a symbol never polled from when it joined', () => {
    expect(stalenessDue([cand('A', { lastPollAt: null, addedAt: NOW - 29_000 })], NOW, RULES)?.symbol).toBe('A');
    expect(stalenessDue([cand('A', { lastPollAt: null, addedAt: NOW - 1000 })], NOW, RULES)).toBeNull();
  });
});

describe('pickNextPoll', () => {
  it.each([
    {
      why: 'the symbol that traded most relative to its OI goes, for its activity',
      cs: [cand('A', { tradedSincePoll: 100 }), cand('B', { tradedSincePoll: 900 }), cand('C')],
      want: { symbol: 'B', reason: 'activity' },
    },
    {
      why: 'a quiet small symbol outranks a busy large one when its trades are a bigger share of its OI',
      cs: [
        cand('BIG', { tradedSincePoll: 5000, openInterest: 50_000_000 }),
        cand('TAIL', { tradedSincePoll: 300, openInterest: 200_000 }),
      ],
      want: { symbol: 'TAIL', reason: 'activity' },
    },
    {
      why: 'the staleness deadline beats any activity',
      cs: [cand('HOT', { tradedSincePoll: 1e6 }), cand('OLD', { lastPollAt: NOW - 29_000 })],
      want: { symbol: 'OLD', reason: 'staleness' },
    },
    {
      why: 'a symbol polled within minGapMs waits, however hot',
      cs: [cand('HOT', { lastPollAt: NOW - 500, tradedSincePoll: 1e6 }), cand('B', { tradedSincePoll: 10 })],
      want: { symbol: 'B', reason: 'activity' },
    },
    {
      why: 'nothing traded anywhere: the oldest goes, for staleness',
      cs: [
        cand('A', { lastPollAt: NOW - 5000 }),
        cand('B', { lastPollAt: NOW - 9000 }),
        cand('C', { lastPollAt: NOW - 2000 }),
      ],
      want: { symbol: 'B', reason: 'staleness' },
    },
    {
      why: 'stream down (traded unknown): round-robin by staleness',
      cs: [
        cand('A', { lastPollAt: NOW - 5000, tradedSincePoll: null }),
        cand('B', { lastPollAt: NOW - 7000, tradedSincePoll: null }),
      ],
      want: { symbol: 'B', reason: 'staleness' },
    },
    {
      why: 'a symbol never polled goes before any activity',
      cs: [cand('HOT', { tradedSincePoll: 1e6 }), cand('NEW', { lastPollAt: null, addedAt: NOW })],
      want: { symbol: 'NEW', reason: 'staleness' },
    },
    {
      why: 'everyone polled within minGapMs: the slot stays unused',
      cs: [cand('A', { lastPollAt: NOW - 10 }), cand('B', { lastPollAt: NOW - 999 })],
      want: null,
    },
    { why: 'no candidate: nothing', cs: [], want: null },
  ])('$why', ({ cs, want }) => {
    expect(pickNextPoll(cs, NOW, RULES)).toEqual(want);
  });
});

describe('the rules over time (a pure simulation of one slot after another)', () => {
  /** Runs `seconds` of slots over `n` symbols; `traded(symbol, t)` = contracts traded in that slot. */
  function simulate(n: number, seconds: number, traded: (i: number, t: number) => number) {
    const cs = Array.from({ length: n }, (_, i) => cand(`S${i}`, { lastPollAt: null, addedAt: 0, tradedSincePoll: 0 }));
    const polls: { i: number; t: number; reason: string }[] = [];
    let maxAge = 0;
    for (let t = 0; t < seconds * 1000; t += RULES.slotMs) {
      cs.forEach((c, i) => (c.tradedSincePoll = (c.tradedSincePoll ?? 0) + traded(i, t)));
      const pick = pickNextPoll(cs, t, RULES);
      if (!pick) continue;
      const c = cs.find((x) => x.symbol === pick.symbol) as ActivityCandidate;
      if (c.lastPollAt !== null) maxAge = Math.max(maxAge, t - c.lastPollAt);
      polls.push({ i: Number(c.symbol.slice(1)), t, reason: pick.reason });
      c.lastPollAt = t;
      c.openInterest = 1_000_000;
      c.tradedSincePoll = 0;
    }
    return { polls, maxAge, cs };
  }

  it('450 symbols at 2000/min: every slot used, nobody older than the bound, a burst polled within a second', () => {
    const burstAt = 120_000;
    // background: symbol i trades ∝ 1/(i+1) (a head and a long tail); S449 (the quietest) bursts at 2 min
    const { polls, maxAge, cs } = simulate(
      450,
      180,
      (i, t) => (i === 449 && t >= burstAt && t < burstAt + 30_000 ? 50 : 0) + 3 / (i + 1),
    );
    expect(polls.length).toBeGreaterThanOrEqual(Math.floor((180_000 / RULES.slotMs) * 0.99));
    expect(maxAge).toBeLessThanOrEqual(RULES.maxStalenessMs);
    const tail = polls.filter((p) => p.i === 449 && p.t >= burstAt);
    expect(tail[0]?.t).toBeLessThanOrEqual(burstAt + 1000);
    expect(tail[0]?.reason).toBe('activity');
    // while it bursts it is polled about every minGap; the head is polled more often than the tail before it
    expect(tail.filter((p) => p.t < burstAt + 30_000).length).toBeGreaterThan(15);
    const before = polls.filter((p) => p.t > 30_000 && p.t < burstAt);
    const count = (i: number) => before.filter((p) => p.i === i).length;
    expect(count(0)).toBeGreaterThan(2 * count(449));
    expect(cs).toHaveLength(450);
  });

  it('with no trades anywhere it is round-robin: every symbol about every N slots', () => {
    const { polls, maxAge } = simulate(300, 60, () => 0);
    expect(maxAge).toBeLessThanOrEqual(300 * RULES.slotMs + 1);
    const counts = new Map<number, number>();
    for (const p of polls) counts.set(p.i, (counts.get(p.i) ?? 0) + 1);
    expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
  });
});

describe('budget arithmetic', () => {
  it.each([
    { perMin: 2000, slot: 30 },
    { perMin: 2015, slot: 60_000 / 2015 },
    { perMin: 60, slot: 1000 },
  ])('slotMsFor($perMin) = $slot ms', ({ perMin, slot }) => {
    expect(slotMsFor(perMin)).toBeCloseTo(slot, 9);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('slotMsFor(%s) is a typed error', (perMin) => {
    expect(() => slotMsFor(perMin)).toThrow(expect.objectContaining({ code: 'POLL_BUDGET_INVALID' }));
  });

  it.each([
    { n: 450, perMin: 2015, staleness: 30_000, ok: true },
    { n: 1000, perMin: 2015, staleness: 30_000, ok: false },
    { n: 1000, perMin: 2015, staleness: 31_500, ok: true },
    { n: 600, perMin: 1000, staleness: 30_000, ok: false },
    { n: 0, perMin: 1, staleness: 30_000, ok: true },
  ])('N=$n at $perMin/min, OI_MAX_STALENESS_MS=$staleness → feasible $ok', ({ n, perMin, staleness, ok }) => {
    const problem = stalenessProblem(n, perMin, staleness, 1500);
    expect(problem === null).toBe(ok);
    expect(stalenessCapacity(perMin, staleness, 1500) >= n).toBe(ok);
    if (problem) {
      expect(problem).toMatch(/^OI_MAX_STALENESS_MS=\d+ cannot hold for \d+ symbols/);
      expect(problem).not.toContain('\n');
      // the suggested bound is itself feasible
      const suggested = Number(/at least (\d+)/.exec(problem)?.[1]);
      expect(stalenessProblem(n, perMin, suggested, 1500)).toBeNull();
    }
  });
});
