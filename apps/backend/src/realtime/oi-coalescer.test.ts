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

  it('hands a sample over at once (after the code that added it), only the newest per symbol', async () => {
    const { c, flushed } = recorder();
    c.add([sample('BTCUSDT', 1, 1000), sample('ETHUSDT', 5, 1000)]);
    c.add([sample('BTCUSDT', 2, 2000)]);
    c.add([sample('BTCUSDT', 0.5, 500)]); // older than what is pending: ignored
    expect(flushed).toEqual([]); // not inside the code that adds (the ingest request's handler)
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed).toEqual([[0, 'BTCUSDT=2 ETHUSDT=5']]);
    expect(c.supersededCount()).toBe(2);
  });

  it('holds a symbol sent less than a tick ago for the rest of its tick, and only that symbol', async () => {
    const { c, flushed } = recorder();
    c.add([sample('BTCUSDT', 1, 1)]);
    await vi.advanceTimersByTimeAsync(300);
    c.add([sample('BTCUSDT', 2, 2), sample('ETHUSDT', 1, 2)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed).toEqual([
      [0, 'BTCUSDT=1'],
      [300, 'ETHUSDT=1'],
    ]);
    await vi.advanceTimersByTimeAsync(300);
    c.add([sample('BTCUSDT', 3, 3)]); // supersedes the held value
    await vi.advanceTimersByTimeAsync(399);
    expect(flushed).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(flushed.at(-1)).toEqual([1000, 'BTCUSDT=3']);
  });

  it('groups what arrives within a gap of the last hand-over', async () => {
    const { c, flushed } = recorder();
    c.add([sample('AUSDT', 1, 1)]);
    await vi.advanceTimersByTimeAsync(10);
    c.add([sample('BUSDT', 1, 1)]);
    await vi.advanceTimersByTimeAsync(20);
    c.add([sample('CUSDT', 1, 1)]);
    await vi.advanceTimersByTimeAsync(100);
    expect(flushed).toEqual([
      [0, 'AUSDT=1'],
      [GAP, 'BUSDT=1 CUSDT=1'],
    ]);
  });

  it('under a continuous stream: each symbol at most once per tick, hand-overs at most once per gap', async () => {
    const { c, flushed } = recorder();
    const sentAt = new Map<string, number[]>();
    for (let i = 0; i < 500; i++) {
      c.add([sample(`S${i % 13}USDT`, i, i)]);
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(TICK);
    for (const [at, symbols] of flushed)
      for (const s of symbols.split(' ')) sentAt.set(s.split('=')[0]!, [...(sentAt.get(s.split('=')[0]!) ?? []), at]);
    const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);
    for (const times of sentAt.values()) expect(Math.min(...gaps(times))).toBeGreaterThanOrEqual(TICK);
    expect(Math.min(...gaps(flushed.map(([at]) => at)))).toBeGreaterThanOrEqual(GAP);
    expect(sentAt.size).toBe(13);
    expect(c.pendingCount()).toBe(0); // the last values went out in the end
  });

  it('keeps no timer while idle', async () => {
    const flush = vi.fn();
    const c = new OiUpdateCoalescer({ tickMs: TICK, gapMs: GAP }, flush);
    expect(vi.getTimerCount()).toBe(0);
    c.add([sample('BTCUSDT', 1, 1)]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it('does not make a due hand-over wait for the callbacks the event loop already has ready', async () => {
    vi.useRealTimers();
    const order: string[] = [];
    const c = new OiUpdateCoalescer({ tickMs: TICK, gapMs: GAP }, () => order.push('flush'));
    setImmediate(() => order.push('immediate'));
    setTimeout(() => order.push('timeout'), 0);
    c.add([sample('BTCUSDT', 1, 1)]);
    order.push('added');
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['added', 'flush', 'immediate', 'timeout']);
  });

  it('hands nothing over once stopped, even a hand-over already due', async () => {
    const flush = vi.fn();
    const c = new OiUpdateCoalescer({ tickMs: TICK, gapMs: GAP }, flush);
    c.add([sample('BTCUSDT', 1, 1)]);
    c.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(flush).not.toHaveBeenCalled();
    expect(c.pendingCount()).toBe(0);
  });

  it('with a burst allowance, hands over at once until the burst is used up, then once per gap', async () => {
    const t0 = Date.now();
    const flushed: [number, string][] = [];
    const c = new OiUpdateCoalescer({ tickMs: TICK, gapMs: GAP, burst: 3 }, (samples) =>
      flushed.push([Date.now() - t0, samples.map((x) => x.symbol).join(' ')]),
    );
    for (const [i, symbol] of ['AUSDT', 'BUSDT', 'CUSDT', 'DUSDT', 'EUSDT'].entries()) {
      c.add([sample(symbol, 1, 1)]);
      await vi.advanceTimersByTimeAsync([10, 10, 10, 30, 200][i]!);
    }
    // A, B, C back to back; D (at 30) waits until three gaps after A less two (50); E (at 60) one gap after D.
    expect(flushed).toEqual([
      [0, 'AUSDT'],
      [10, 'BUSDT'],
      [20, 'CUSDT'],
      [GAP, 'DUSDT'],
      [2 * GAP, 'EUSDT'],
    ]);
    // Idle for longer than the burst's gaps: the allowance is whole again.
    await vi.advanceTimersByTimeAsync(1000);
    const before = flushed.length;
    for (const symbol of ['FUSDT', 'GUSDT', 'HUSDT']) {
      c.add([sample(symbol, 1, 1)]);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(flushed.slice(before).map(([at]) => at - flushed[before]![0])).toEqual([0, 1, 2]);
  });

  it('with a burst allowance, never exceeds burst + elapsed / gap hand-overs under a continuous stream', async () => {
    const t0 = Date.now();
    const at: number[] = [];
    const c = new OiUpdateCoalescer({ tickMs: TICK, gapMs: GAP, burst: 4 }, () => at.push(Date.now() - t0));
    for (let i = 0; i < 2000; i++) {
      c.add([sample(`S${i}USDT`, i, i)]); // a new symbol every 2 ms: never held by its tick
      await vi.advanceTimersByTimeAsync(2);
    }
    for (let i = 0; i < at.length; i++)
      for (let j = i; j < at.length; j++) expect(j - i + 1).toBeLessThanOrEqual(4 + (at[j]! - at[i]!) / GAP);
    expect(at.length).toBeGreaterThanOrEqual(4000 / GAP); // and the stream is not starved
  });
});
