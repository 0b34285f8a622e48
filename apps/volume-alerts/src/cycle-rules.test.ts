import { describe, expect, it } from 'vitest';
import { candleAsOf, legacyPerpetualSymbols, oiSnapshotBody, planNextCycle, volumeAlertKey } from './cycle-rules.js';

const T = (hhmmss: string): number => Date.parse(`2025-03-01T${hhmmss}Z`);

describe('planNextCycle', () => {
  it.each([
    // why: a fresh process waits for the next boundary
    ['fresh, mid-slot', '10:07:23.000', null, '10:10:00.000', 157_000, 0],
    ['fresh, exactly on a boundary', '10:10:00.000', null, '10:10:00.000', 0, 0],
    // why: right after a cycle started on its boundary, the same slot must not run twice
    ['after the 10:05 cycle', '10:05:00.000', '10:05:00.000', '10:10:00.000', 300_000, 0],
    ['after a 12 s cycle', '10:05:12.000', '10:05:00.000', '10:10:00.000', 288_000, 0],
    // why: a timer firing 1 ms early must not see the old slot as new
    ['1 ms before the boundary', '10:09:59.999', '10:05:00.000', '10:10:00.000', 1, 0],
    // why: a cycle that overran its slot still runs the next boundary (legacy §6.3 skipped :00/:30)
    ['cycle overran into the next slot', '10:30:20.000', '10:25:00.000', '10:30:00.000', 0, 0],
    ['restart 40 s after hh:00', '11:00:40.000', '10:55:00.000', '11:00:00.000', 0, 0],
    ['process stalled 17 minutes', '10:22:00.000', '10:05:00.000', '10:20:00.000', 0, 2],
  ])('%s', (_name, now, last, slot, delayMs, skipped) => {
    expect(planNextCycle({ now: T(now), lastSlot: last === null ? null : T(last) })).toEqual({
      slot: T(slot),
      delayMs,
      skipped,
    });
  });
});

describe('legacyPerpetualSymbols', () => {
  it('keeps PERPETUAL + USDT quote + TRADING in exchangeInfo order, whatever the margin asset', () => {
    const s = (symbol: string, contractType = 'PERPETUAL', quoteAsset = 'USDT', status = 'TRADING') => ({
      symbol,
      contractType,
      quoteAsset,
      status,
    });
    expect(
      legacyPerpetualSymbols([
        s('ZEUSDT'),
        s('BTCUSDC', 'PERPETUAL', 'USDC'),
        s('BTCUSDT_261225', 'CURRENT_QUARTER'),
        s('XAUUSDT', 'TRADIFI_PERPETUAL'),
        s('OLDUSDT', 'PERPETUAL', 'USDT', 'SETTLING'),
        s('NEWUSDT', 'PERPETUAL', 'USDT', 'PENDING_TRADING'),
        s('AAUSDT'),
      ]),
    ).toEqual(['ZEUSDT', 'AAUSDT']);
  });
});

describe('candleAsOf', () => {
  const hour = {
    openTime: T('10:00:00.000'),
    open: 10,
    high: 12,
    low: 9,
    close: 11,
    volume: 600,
    closeTime: T('10:59:59.999'),
    quoteVolume: 6600,
    trades: 60,
  };
  const minute = (m: number, o: number, c: number, q: number) => ({
    openTime: T(`10:${String(m).padStart(2, '0')}:00.000`),
    open: o,
    high: Math.max(o, c),
    low: Math.min(o, c),
    close: c,
    volume: q / 10,
    closeTime: T(`10:${String(m).padStart(2, '0')}:59.999`),
    quoteVolume: q,
    trades: 1,
  });

  it('rebuilds the hour as it stood at the cycle time from the minutes that opened before it', () => {
    const minutes = [
      minute(0, 10, 10.5, 100.1),
      minute(1, 10.5, 9.5, 200.2),
      minute(2, 9.5, 10.2, 0.3),
      minute(3, 10.2, 12, 999),
    ];
    expect(candleAsOf(hour, minutes, T('10:03:00.000'))).toEqual({
      ...hour,
      close: 10.2,
      high: 10.5,
      low: 9.5,
      volume: 30.06,
      quoteVolume: 300.6,
      trades: 3,
    });
  });

  it('returns null without minutes (the caller keeps the hourly candle)', () => {
    expect(candleAsOf(hour, [], T('10:30:00.000'))).toBeNull();
  });
});

describe('oiSnapshotBody', () => {
  it('has no source, null mark/usd when the mark is unknown or not positive (never 0), legacy key order', () => {
    const body = oiSnapshotBody({
      cycleTime: T('10:05:00.250'),
      items: [
        { symbol: 'AUSDT', openInterest: 100, markPrice: 2 },
        { symbol: 'BUSDT', openInterest: 50, markPrice: null },
        { symbol: 'CUSDT', openInterest: 7, markPrice: 0 },
        { symbol: 'DUSDT', openInterest: Number.NaN, markPrice: 1 },
      ],
    });
    expect(JSON.stringify(body)).toBe(
      '{"data":[{"symbol":"AUSDT","openInterest":100,"openInterestUsd":200,"markPrice":2},{"symbol":"BUSDT","openInterest":50,"openInterestUsd":null,"markPrice":null},{"symbol":"CUSDT","openInterest":7,"openInterestUsd":null,"markPrice":null}],"timestamp":"2025-03-01T10:05:00Z","totalSymbols":3}',
    );
  });

  it('posts nothing when no symbol returned data', () => {
    expect(oiSnapshotBody({ cycleTime: 0, items: [] })).toBeNull();
  });
});

describe('volumeAlertKey', () => {
  it('is the same for a re-run of the same alert and differs per target and kind', () => {
    const k = (target: string, alertType: 'SPIKE' | 'HALF_UPDATE') =>
      volumeAlertKey({ target, symbol: 'FOOUSDT', alertType, hourTimestamp: '2025-03-01T10:00:00Z' });
    expect(k('prod', 'SPIKE')).toBe(k('prod', 'SPIKE'));
    expect(new Set([k('prod', 'SPIKE'), k('dev', 'SPIKE'), k('prod', 'HALF_UPDATE')]).size).toBe(3);
  });
});
