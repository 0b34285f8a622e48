import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OiUpdateCoalescer } from './oi-coalescer.js';
import type { OiUpdateSample } from './oi-coalescer.js';

const sample = (symbol: string, oi: number, tsMs: number): OiUpdateSample => ({
  symbol,
  openInterest: oi,
  openInterestUsd: oi * 10,
  markPrice: 10,
  ts: new Date(tsMs),
});

describe('OiUpdateCoalescer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const TICK = 1000;
  const GAP = 50;
  /** A coalescer whose hand-overs are recorded as [ms since t0, symbol=oi …]. */
  function recorder() {
    const t0 = Date.now();
    const flushed: [number, string][] = [];
    const c = new OiUpdateCoalescer({ tickMs: TICK, gapMs: GAP }, (samples) =>
      flushed.push([Date.now() - t0, samples.map((s) => `${s.symbol}=${s.openInterest}`).join(' ')]),
    );
    return { c, flushed };
  }

  it('hands a sample over at once (next turn of the event loop), only the newest per symbol', () => {
    const { c, flushed } = recorder();
    c.add([sample('BTCUSDT', 1, 1000), sample('ETHUSDT', 5, 1000)]);
    c.add([sample('BTCUSDT', 2, 2000)]);
    c.add([sample('BTCUSDT', 0.5, 500)]); // older than what is pending: ignored
    expect(flushed).toEqual([]); // not inside the ingest request's own turn
    vi.advanceTimersByTime(0);
    expect(flushed).toEqual([[0, 'BTCUSDT=2 ETHUSDT=5']]);
    expect(c.supersededCount()).toBe(2);
  });

  it('holds a symbol sent less than a tick ago for the rest of its tick, and only that symbol', () => {
    const { c, flushed } = recorder();
    c.add([sample('BTCUSDT', 1, 1)]);
    vi.advanceTimersByTime(300);
    c.add([sample('BTCUSDT', 2, 2), sample('ETHUSDT', 1, 2)]);
    vi.advanceTimersByTime(0);
    expect(flushed).toEqual([
      [0, 'BTCUSDT=1'],
      [300, 'ETHUSDT=1'],
    ]);
    vi.advanceTimersByTime(300);
    c.add([sample('BTCUSDT', 3, 3)]); // supersedes the held value
    vi.advanceTimersByTime(399);
    expect(flushed).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(flushed.at(-1)).toEqual([1000, 'BTCUSDT=3']);
  });

  it('groups what arrives within a gap of the last hand-over', () => {
    const { c, flushed } = recorder();
    c.add([sample('AUSDT', 1, 1)]);
    vi.advanceTimersByTime(10);
    c.add([sample('BUSDT', 1, 1)]);
    vi.advanceTimersByTime(20);
    c.add([sample('CUSDT', 1, 1)]);
    vi.advanceTimersByTime(100);
    expect(flushed).toEqual([
      [0, 'AUSDT=1'],
      [GAP, 'BUSDT=1 CUSDT=1'],
    ]);
  });

  it('under a continuous stream: each symbol at most once per tick, hand-overs at most once per gap', () => {
    const { c, flushed } = recorder();
    const sentAt = new Map<string, number[]>();
    for (let i = 0; i < 500; i++) {
      c.add([sample(`S${i % 13}USDT`, i, i)]);
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(TICK);
    for (const [at, symbols] of flushed)
      for (const s of symbols.split(' ')) sentAt.set(s.split('=')[0]!, [...(sentAt.get(s.split('=')[0]!) ?? []), at]);
    const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);
    for (const times of sentAt.values()) expect(Math.min(...gaps(times))).toBeGreaterThanOrEqual(TICK);
    expect(Math.min(...gaps(flushed.map(([at]) => at)))).toBeGreaterThanOrEqual(GAP);
    expect(sentAt.size).toBe(13);
    expect(c.pendingCount()).toBe(0); // the last values went out in the end
  });

  it('keeps no timer while idle', () => {
    const flush = vi.fn();
    const c = new OiUpdateCoalescer({ tickMs: TICK, gapMs: GAP }, flush);
    expect(vi.getTimerCount()).toBe(0);
    c.add([sample('BTCUSDT', 1, 1)]);
    vi.advanceTimersByTime(1000);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(flush).toHaveBeenCalledTimes(1);
  });
});
