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

  it('hands over only the newest sample per symbol once per tick', () => {
    const flushed: OiUpdateSample[][] = [];
    const c = new OiUpdateCoalescer(1000, (s) => flushed.push(s));
    c.add([sample('BTCUSDT', 1, 1000), sample('ETHUSDT', 5, 1000)]);
    c.add([sample('BTCUSDT', 2, 2000)]);
    c.add([sample('BTCUSDT', 0.5, 500)]); // older than what is pending: ignored
    expect(flushed).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(flushed).toHaveLength(1);
    expect(flushed[0]!.map((s) => [s.symbol, s.openInterest])).toEqual([
      ['BTCUSDT', 2],
      ['ETHUSDT', 5],
    ]);
    expect(c.supersededCount()).toBe(2);
  });

  it('keeps no timer while idle', () => {
    const flush = vi.fn();
    const c = new OiUpdateCoalescer(1000, flush);
    expect(vi.getTimerCount()).toBe(0);
    c.add([sample('BTCUSDT', 1, 1)]);
    vi.advanceTimersByTime(1000);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(flush).toHaveBeenCalledTimes(1);
  });
});
