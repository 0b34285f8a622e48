import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, KEYS, createBus, createLogger, type MarkPriceRecord } from '@volspike/runtime';
import { MarkPriceCache } from './mark-price-cache.js';

const logger = createLogger({ name: 'mark-cache-unit', level: 'silent' });
const rec = (
  symbol: string,
  markPrice: number,
  updatedAt: number,
  fundingRate: number | null = 0.0001,
): MarkPriceRecord => ({ symbol, markPrice, indexPrice: null, fundingRate, nextFundingTime: null, updatedAt });

describe('MarkPriceCache', () => {
  it('loads KEYS.markPrices at start and applies CHANNELS.markPrices updates', async () => {
    const bus = createBus({ logger });
    const now = Date.now();
    await bus.setJson(KEYS.markPrices, { BTCUSDT: rec('BTCUSDT', 60_000, now), ETHUSDT: rec('ETHUSDT', 3000, now) });
    const cache = new MarkPriceCache({ bus, logger, maxAgeMs: 60_000 });
    await cache.start();
    expect(cache.get('BTCUSDT', now)).toEqual({ markPrice: 60_000, fundingRate: 0.0001 });

    await bus.publish(CHANNELS.markPrices, {
      updatedAt: now + 1000,
      prices: [rec('BTCUSDT', 61_000, now + 1000, -0.0002)],
    });
    await vi.waitFor(() =>
      expect(cache.get('BTCUSDT', now + 1000)).toEqual({ markPrice: 61_000, fundingRate: -0.0002 }),
    );
    expect(cache.get('ETHUSDT', now + 1000).markPrice).toBe(3000);
    await cache.stop();
    await bus.close();
  });

  it.each([
    ['unknown symbol', undefined, 0],
    ['older than the max age', rec('XUSDT', 5, 0), 60_001],
    ['a zero mark', rec('XUSDT', 0, 0), 10],
    ['a negative mark', rec('XUSDT', -1, 0), 10],
  ])('answers null (never 0) for %s', (_what, r, at) => {
    const cache = new MarkPriceCache({ bus: createBus({ logger }), logger, maxAgeMs: 60_000 });
    if (r) cache.upsert(r);
    expect(cache.get('XUSDT', at)).toEqual({ markPrice: null, fundingRate: null });
  });

  it('keeps the newer record when updates arrive out of order, ignores malformed items', () => {
    const cache = new MarkPriceCache({ bus: createBus({ logger }), logger, maxAgeMs: 60_000 });
    cache.onMessage({ updatedAt: 2, prices: [rec('XUSDT', 2, 2000)] });
    cache.onMessage({ updatedAt: 1, prices: [rec('XUSDT', 1, 1000), { symbol: 'YUSDT', markPrice: '3' }] });
    cache.onMessage('garbage');
    expect(cache.get('XUSDT', 2000).markPrice).toBe(2);
    expect(cache.get('YUSDT', 2000).markPrice).toBeNull();
    expect(cache.get('XUSDT', 2000).fundingRate).toBe(0.0001);
  });
});
