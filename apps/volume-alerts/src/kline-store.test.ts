import { describe, expect, it } from 'vitest';
import type { Kline } from '@volspike/binance-client';
import { KlineStore } from './kline-store.js';

const H = 3_600_000;
const h10 = Date.UTC(2025, 2, 1, 10);
const k = (openTime: number, quoteVolume: number, trades: number): Kline => ({
  openTime,
  open: 1,
  high: 1,
  low: 1,
  close: 1,
  volume: 1,
  closeTime: openTime + H - 1,
  quoteVolume,
  trades,
});

describe('KlineStore', () => {
  it('never lets an older REST answer roll an open candle back, nor a non-final replace a final one', () => {
    const s = new KlineStore();
    s.put('A', k(h10, 500, 50), false, 1000, true);
    s.put('A', k(h10, 400, 40), false, 1001, false);
    expect(s.current('A', h10, 0)?.quoteVolume).toBe(500);
    s.put('A', k(h10, 900, 90), true, 1002, true);
    s.put('A', k(h10, 950, 95), false, 1003, true);
    expect(s.final('A', h10)?.quoteVolume).toBe(900);
  });

  it.each([
    ['hh:00 needs the two closed hours, both final', h10 + 2 * H, true, 'pair'],
    [
      'mid-hour needs the last closed hour and the open one seen since the (re)connect',
      h10 + H + 5 * 60_000,
      false,
      'pair',
    ],
  ])('%s', (_n, t, top) => {
    const s = new KlineStore();
    s.put('A', k(h10, 100, 1), true, 5, false);
    s.put('A', k(h10 + H, 400, 4), top, 10, true);
    expect(s.pair('A', t, top, 10)).not.toBeNull();
    // an open candle received before the last reconnect is not trusted
    if (!top) expect(s.pair('A', t, false, 11)).toBeNull();
  });

  it('does not answer hh:00 when the hour that just ended has no final candle yet', () => {
    const s = new KlineStore();
    s.put('A', k(h10, 100, 1), true, 5, false);
    s.put('A', k(h10 + H, 400, 4), false, 10, true);
    expect(s.pair('A', h10 + 2 * H, true, 0)).toBeNull();
  });
});
