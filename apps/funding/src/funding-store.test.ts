import { describe, expect, it } from 'vitest';
import type { MarkPriceUpdate } from '@volspike/binance-client';
import { FundingStore } from './funding-store.js';

const u = (symbol: string, over: Partial<MarkPriceUpdate> = {}): MarkPriceUpdate => ({
  symbol,
  markPrice: 100,
  indexPrice: 99.5,
  fundingRate: 0.0001,
  nextFundingTime: 1_740_830_400_000,
  eventTime: 1,
  ...over,
});

describe('FundingStore', () => {
  it('merges: a null optional field keeps the previous value; updatedAt is the receive time', () => {
    const s = new FundingStore();
    s.apply([u('BTCUSDT')], 1000);
    s.apply([u('BTCUSDT', { markPrice: 101, fundingRate: null, indexPrice: null, nextFundingTime: null })], 2000);
    expect(s.get('BTCUSDT')).toEqual({
      symbol: 'BTCUSDT',
      markPrice: 101,
      indexPrice: 99.5,
      fundingRate: 0.0001,
      nextFundingTime: 1_740_830_400_000,
      updatedAt: 2000,
    });
    s.apply([u('ETHUSDT_260327', { fundingRate: null, nextFundingTime: null })], 2000);
    expect(s.get('ETHUSDT_260327')!.fundingRate).toBeNull();
    expect(s.get('ETHUSDT_260327')!.nextFundingTime).toBeNull();
  });

  it('takeChanged returns each changed symbol once, then nothing', () => {
    const s = new FundingStore();
    s.apply([u('A'), u('B'), u('A', { markPrice: 2 })], 1);
    const changed = s.takeChanged();
    expect(changed.map((r) => r.symbol).sort()).toEqual(['A', 'B']);
    expect(changed.find((r) => r.symbol === 'A')!.markPrice).toBe(2);
    expect(s.takeChanged()).toEqual([]);
    expect(Object.keys(s.snapshot()).sort()).toEqual(['A', 'B']);
  });

  it('ages: median is not moved by one old record; empty store has none', () => {
    const s = new FundingStore();
    expect(s.ages(0)).toBeNull();
    s.apply([u('OLD')], 0);
    s.apply([u('A'), u('B'), u('C'), u('D')], 999_000);
    const a = s.ages(1_000_000)!;
    expect(a.oldestSec).toBe(1000);
    expect(a.newestSec).toBe(1);
    expect(a.medianSec).toBe(1);
    expect(s.staleCount(1_000_000, 180)).toBe(1);
    s.apply([u('E')], 999_000);
    expect(s.ages(1_000_000)!.medianSec).toBe(1);
  });

  it('gap detection reports a symbol once when it enters a gap and once when it leaves', () => {
    const s = new FundingStore();
    s.apply([u('A'), u('B')], 0);
    expect(s.checkGaps(5_000, 10_000)).toEqual({ started: [], ended: [], current: 0 });
    s.apply([u('B')], 9_000);
    expect(s.checkGaps(11_000, 10_000)).toEqual({ started: ['A'], ended: [], current: 1 });
    expect(s.checkGaps(12_000, 10_000)).toEqual({ started: [], ended: [], current: 1 });
    s.apply([u('A')], 12_500);
    expect(s.checkGaps(13_000, 10_000)).toEqual({ started: [], ended: ['A'], current: 0 });
  });
});
