import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BinanceError } from '@volspike/binance-client';
import { createLogger } from '@volspike/runtime';
import { OiPoller, type PolledSample } from './oi-poller.js';
import type { OiReading, OiSource } from './open-interest-source.js';

const logger = createLogger({ name: 'oi-poller-unit', level: 'silent' });

/** A source that answers after `latencyMs`, failing for symbols in `failing`, recording every request time. */
class FakeSource implements OiSource {
  readonly calls: { symbol: string; at: number }[] = [];
  failing = new Set<string>();
  failWith: (symbol: string) => Error = () => new BinanceError('BINANCE_SERVER_ERROR', 'boom');
  /** Requests started before this time all answer at this time (a stalled budget queue). */
  holdUntil: number | null = null;
  constructor(private readonly latencyMs = 20) {}
  openInterest(symbol: string): Promise<OiReading> {
    this.calls.push({ symbol, at: Date.now() });
    const held = this.holdUntil !== null && Date.now() < this.holdUntil ? this.holdUntil - Date.now() : 0;
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        if (this.failing.has(symbol)) reject(this.failWith(symbol));
        else resolve({ symbol, openInterest: 1000, time: Date.now() });
      }, held || this.latencyMs),
    );
  }
}

/** stop() waits for requests in flight, which complete on (fake) timers. */
async function stopWithTimers(p: OiPoller): Promise<void> {
  const done = p.stop();
  await vi.advanceTimersByTimeAsync(20_000);
  await done;
}

function plan(symbols: string[], intervalMs: number): Map<string, number> {
  return new Map(symbols.map((s) => [s, intervalMs]));
}

function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

const syms = (n: number, prefix = 'S') => Array.from({ length: n }, (_, i) => `${prefix}${i}USDT`);

describe('OiPoller scheduler', () => {
  let source: FakeSource;
  let samples: PolledSample[];
  let paused: number | null;
  let poller: OiPoller;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    source = new FakeSource();
    samples = [];
    paused = null;
    poller = new OiPoller({
      source,
      budget: { pausedUntil: () => paused },
      logger,
      onSample: (s) => samples.push(s),
      random: () => 1,
    });
  });

  afterEach(async () => {
    await stopWithTimers(poller);
    vi.useRealTimers();
  });

  it('spreads the requests of one interval evenly: 100 symbols at 5 s → 20 per second, never a burst', async () => {
    poller.setPlan(plan(syms(100), 5000));
    poller.start();
    await vi.advanceTimersByTimeAsync(20_000);
    const t0 = 1_700_000_000_000;
    const perSecond = new Map<number, number>();
    for (const c of source.calls)
      perSecond.set(Math.floor((c.at - t0) / 1000), (perSecond.get(Math.floor((c.at - t0) / 1000)) ?? 0) + 1);
    const counts = [...Array(20).keys()].map((s) => perSecond.get(s) ?? 0);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(19);
    expect(Math.max(...counts)).toBeLessThanOrEqual(21);
    // every symbol once per interval: 4 full intervals
    for (const s of syms(100)) expect(source.calls.filter((c) => c.symbol === s && c.at < t0 + 20_000).length).toBe(4);
  });

  it('keeps each symbol on its own interval when tiers differ', async () => {
    poller.setPlan(new Map([...plan(syms(10, 'A'), 5000), ...plan(syms(10, 'B'), 10_000)]));
    poller.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(source.calls.filter((c) => c.symbol === 'A0USDT')).toHaveLength(6);
    expect(source.calls.filter((c) => c.symbol === 'B0USDT')).toHaveLength(3);
    const a = source.calls.filter((c) => c.symbol === 'A3USDT').map((c) => c.at);
    for (let i = 1; i < a.length; i++) expect((a[i] as number) - (a[i - 1] as number)).toBe(5000);
  });

  it('backs a failing symbol off alone (exponential, capped) while the others keep their pace; a gap, never a zero', async () => {
    source.failing.add('S0USDT');
    poller.setPlan(plan(syms(10), 5000));
    poller.start();
    await vi.advanceTimersByTimeAsync(60_000);
    const bad = source.calls.filter((c) => c.symbol === 'S0USDT').map((c) => c.at);
    const gaps = bad.slice(1).map((t, i) => t - (bad[i] as number));
    // random() = 1 → the full delay: 5 s, 10 s, 20 s, 40 s … (from the interval)
    expect(gaps.slice(0, 3).map((g) => Math.round(g / 1000))).toEqual([5, 10, 20]);
    expect(source.calls.filter((c) => c.symbol === 'S1USDT')).toHaveLength(12);
    expect(samples.some((s) => s.symbol === 'S0USDT')).toBe(false);
    expect(poller.failingCount()).toBe(1);

    source.failing.clear();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(samples.some((s) => s.symbol === 'S0USDT')).toBe(true);
    expect(poller.failingCount()).toBe(0);
  });

  it('caps the backoff', async () => {
    const capped = new OiPoller({
      source,
      budget: { pausedUntil: () => null },
      logger,
      onSample: () => undefined,
      maxBackoffMs: 15_000,
      random: () => 1,
    });
    source.failing.add('S0USDT');
    capped.setPlan(plan(['S0USDT'], 5000));
    capped.start();
    await vi.advanceTimersByTimeAsync(120_000);
    const at = source.calls.map((c) => c.at);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(15_000 + 20);
    await stopWithTimers(capped);
  });

  it('applies a plan change at once: new symbols start, removed ones stop, nobody waits beyond its interval', async () => {
    poller.setPlan(plan(syms(10), 5000));
    poller.start();
    await vi.advanceTimersByTimeAsync(7000);
    const before = source.calls.length;
    const next = plan([...syms(10).slice(2), 'NEWUSDT'], 5000);
    const diff = poller.setPlan(next);
    expect(diff).toEqual({ added: ['NEWUSDT'], removed: ['S0USDT', 'S1USDT'], changed: [] });
    await vi.advanceTimersByTimeAsync(10_000);
    const after = source.calls.slice(before);
    expect(after.filter((c) => c.symbol === 'S0USDT' || c.symbol === 'S1USDT')).toHaveLength(0);
    expect(after.filter((c) => c.symbol === 'NEWUSDT').length).toBeGreaterThanOrEqual(2);
    const now = Date.now();
    for (const e of poller.entriesView()) expect(now - (e.lastSampleAt as number)).toBeLessThanOrEqual(5000 + 20);

    // an interval change re-phases the symbol onto the new pace
    poller.setPlan(plan([...syms(10).slice(2), 'NEWUSDT'], 2000));
    const mark = source.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    const fast = source.calls
      .slice(mark)
      .filter((c) => c.symbol === 'NEWUSDT')
      .map((c) => c.at);
    expect(fast.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < fast.length; i++) expect((fast[i] as number) - (fast[i - 1] as number)).toBe(2000);
  });

  it('adds a symbol into the largest gap without moving the symbols already polled (no burst on a universe change)', async () => {
    poller.setPlan(plan(syms(20), 5000));
    poller.start();
    await vi.advanceTimersByTimeAsync(7000);
    const before = new Map(poller.entriesView().map((e) => [e.symbol, e.nextDueAt]));
    poller.setPlan(plan([...syms(20), 'NEWUSDT'], 5000));
    for (const e of poller.entriesView()) if (e.symbol !== 'NEWUSDT') expect(e.nextDueAt).toBe(before.get(e.symbol));
    const mark = Date.now();
    await vi.advanceTimersByTimeAsync(10_000);
    const times = source.calls
      .filter((c) => c.at >= mark && c.at < mark + 5000)
      .map((c) => c.at)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(21);
    // evenly spaced before (250 ms); the newcomer sits in the middle of a gap, so no two requests are closer than 125 ms
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(124);
  });

  it('sends nothing while the budget is paused (no hot loop), then resumes with the phases spread again', async () => {
    poller.setPlan(plan(syms(20), 5000));
    poller.start();
    await vi.advanceTimersByTimeAsync(5000);
    paused = Date.now() + 30_000;
    const before = source.calls.length;
    await vi.advanceTimersByTimeAsync(29_000);
    expect(source.calls.length).toBe(before);
    expect(poller.paused()).toBe(true);
    expect(vi.getTimerCount()).toBeLessThanOrEqual(2);
    await vi.advanceTimersByTimeAsync(2000);
    paused = null;
    const resumeAt = Date.now();
    await vi.advanceTimersByTimeAsync(5000);
    const resumed = source.calls.filter((c) => c.at >= resumeAt);
    expect(resumed).toHaveLength(20);
    const firstSecond = resumed.filter((c) => c.at < resumeAt + 1000).length;
    expect(firstSecond).toBeLessThanOrEqual(6); // spread over the interval, not all at once
    expect(poller.paused()).toBe(false);
  });

  it('treats a budget pause error as nobody’s fault: no per-symbol backoff', async () => {
    source.failing.add('S0USDT');
    source.failWith = () => new BinanceError('BINANCE_PAUSED', 'paused');
    poller.setPlan(plan(['S0USDT'], 5000));
    poller.start();
    await vi.advanceTimersByTimeAsync(16_000);
    expect(poller.failingCount()).toBe(0);
    expect(source.calls.length).toBe(4);
  });

  it('does not back a symbol off for a failure that never reached Binance (the budget’s Redis is down)', async () => {
    source.failing.add('S0USDT');
    source.failWith = () => new Error('Connection is closed.');
    poller.setPlan(plan(['S0USDT'], 5000));
    poller.start();
    await vi.advanceTimersByTimeAsync(16_000);
    expect(poller.failingCount()).toBe(0);
    expect(source.calls.length).toBe(4);
    source.failing.clear(); // Redis is back: the next slot polls, not minutes later
    await vi.advanceTimersByTimeAsync(5_000);
    expect(samples.length).toBeGreaterThanOrEqual(1);
  });

  it('backs a symbol off for its own Binance failure', async () => {
    source.failing.add('S0USDT');
    poller.setPlan(plan(['S0USDT'], 5000));
    poller.start();
    await vi.advanceTimersByTimeAsync(16_000);
    expect(poller.failingCount()).toBe(1);
    expect(source.calls.length).toBeLessThan(4);
  });

  it('keeps the phases when requests waited longer than the interval (budget queue, Redis down): no synchronised rounds', async () => {
    poller.setPlan(plan(syms(10), 1000));
    poller.start();
    await vi.advanceTimersByTimeAsync(3000);
    const release = Date.now() + 5000;
    source.holdUntil = release; // every request started now waits until `release`, then all answer at once
    await vi.advanceTimersByTimeAsync(12_000);
    const after = source.calls.filter((c) => c.at > release + 100);
    // each symbol keeps its slot: once per interval, at its own distance from the others
    for (const s of syms(10)) {
      const times = after.filter((c) => c.symbol === s).map((c) => c.at);
      for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBe(1000);
    }
    const bySecond = new Map<number, number[]>();
    for (const c of after) pushTo(bySecond, Math.floor((c.at - release) / 1000), c.at);
    for (const times of [...bySecond.values()].slice(1, -1)) {
      times.sort((a, b) => a - b);
      const closest = Math.min(...times.slice(1).map((t, i) => t - (times[i] as number)));
      expect(closest).toBeGreaterThanOrEqual(50); // 10 symbols at 1 s: 100 ms apart, not all at one instant
    }
  });

  it('bounds the requests in flight', async () => {
    const slow = new FakeSource(10_000);
    const bounded = new OiPoller({
      source: slow,
      budget: { pausedUntil: () => null },
      logger,
      onSample: () => undefined,
      maxInFlight: 5,
    });
    bounded.setPlan(plan(syms(50), 5000));
    bounded.start();
    await vi.advanceTimersByTimeAsync(4000);
    expect(bounded.inFlightCount()).toBe(5);
    expect(slow.calls).toHaveLength(5);
    await stopWithTimers(bounded);
  });
});
