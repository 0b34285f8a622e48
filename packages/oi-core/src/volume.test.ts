import { describe, expect, it } from 'vitest';
import { pyJsonDumps } from './py-format.js';
import {
  assetOf,
  evaluateVolumeSymbol,
  formatVolume,
  selectCandles,
  volumeAlertMessage,
  volumeAlertPayload,
  volumeConsoleLine,
  volumeOiChange,
  type VolumeKline,
} from './volume.js';

const H = 3_600_000;
const HOUR10 = Date.UTC(2025, 2, 1, 10, 0, 0);
const at = (hh: number, mm: number, ss = 0, ms = 0): number => Date.UTC(2025, 2, 1, hh, mm, ss, ms);

function kline(openTime: number, quoteVolume: number, open = 1, close = 1.02): VolumeKline {
  return { openTime, open, close, closeTime: openTime + H - 1, quoteVolume };
}

describe('selectCandles', () => {
  const k8 = kline(HOUR10 - 2 * H, 1);
  const k9 = kline(HOUR10 - H, 2);
  const k10 = kline(HOUR10, 3);
  it.each([
    // why: at hh:00 the newest kline is the one that just opened; compare the last two CLOSED ones
    { name: 'top of hour: last two closed', klines: [k8, k9, k10], now: at(10, 0, 3), top: true, expected: [k8, k9] },
    {
      name: 'top of hour: fewer than two closed → skip',
      klines: [k9, k10],
      now: at(10, 0, 3),
      top: true,
      expected: null,
    },
    {
      name: 'top of hour: closeTime must be strictly before now',
      klines: [k8, k9],
      now: k9.closeTime,
      top: true,
      expected: null,
    },
    {
      name: 'otherwise: last closed vs the open candle',
      klines: [k9, k10],
      now: at(10, 25),
      top: false,
      expected: [k9, k10],
    },
    {
      name: 'otherwise: longer history uses the last two',
      klines: [k8, k9, k10],
      now: at(10, 25),
      top: false,
      expected: [k9, k10],
    },
    { name: 'otherwise: one kline → skip', klines: [k10], now: at(10, 25), top: false, expected: null },
  ])('$name', ({ klines, now, top, expected }) => {
    const r = selectCandles({ klines, now, atTopOfHour: top });
    expect(r ? [r.prev, r.curr] : null).toEqual(expected);
  });
});

describe('evaluateVolumeSymbol: kinds', () => {
  const prev = kline(HOUR10 - H, 3_100_000);
  const spiky = kline(HOUR10, 12_500_000.5, 1.0, 1.05);
  const alerted = (initialMinute?: number) => ({
    lastAlertHour: HOUR10,
    ...(initialMinute === undefined ? {} : { initialMinute }),
  });

  it.each([
    {
      name: 'ratio ≥ 3 and volume ≥ 3M, not yet alerted → SPIKE',
      curr: spiky,
      prevK: prev,
      now: at(10, 25),
      state: undefined,
      kind: 'SPIKE',
    },
    {
      name: 'exactly 3× and exactly 3,000,000 → SPIKE',
      curr: kline(HOUR10, 3_000_000),
      prevK: kline(HOUR10 - H, 1_000_000),
      now: at(10, 5),
      state: {},
      kind: 'SPIKE',
    },
    {
      name: 'ratio just under 3 → nothing',
      curr: kline(HOUR10, 2_999_999),
      prevK: kline(HOUR10 - H, 1_000_000),
      now: at(10, 5),
      state: {},
      kind: null,
    },
    {
      name: 'ratio hit but volume under 3M → nothing',
      curr: kline(HOUR10, 2_999_999.99),
      prevK: kline(HOUR10 - H, 100_000),
      now: at(10, 5),
      state: {},
      kind: null,
    },
    {
      name: 'previous volume 0 → ratio 0 → nothing',
      curr: kline(HOUR10, 50_000_000),
      prevK: kline(HOUR10 - H, 0),
      now: at(10, 5),
      state: {},
      kind: null,
    },
    {
      name: 'same hour already alerted → no second SPIKE',
      curr: spiky,
      prevK: prev,
      now: at(10, 35),
      state: alerted(5),
      kind: null,
    },
    {
      name: 'alert from an older hour does not block a new SPIKE',
      curr: spiky,
      prevK: prev,
      now: at(10, 35),
      state: { lastAlertHour: HOUR10 - H, initialMinute: 5 },
      kind: 'SPIKE',
    },
    {
      name: 'minute 30, initialMinute 20 → HALF_UPDATE',
      curr: spiky,
      prevK: prev,
      now: at(10, 30),
      state: alerted(20),
      kind: 'HALF_UPDATE',
    },
    {
      name: 'minute 30, initialMinute 25 → nothing',
      curr: spiky,
      prevK: prev,
      now: at(10, 30),
      state: alerted(25),
      kind: null,
    },
    {
      name: 'minute 30, initialMinute missing counts as 0 → HALF_UPDATE',
      curr: spiky,
      prevK: prev,
      now: at(10, 30),
      state: alerted(),
      kind: 'HALF_UPDATE',
    },
    {
      name: 'HALF_UPDATE fires whatever the current ratio',
      curr: kline(HOUR10, 1),
      prevK: prev,
      now: at(10, 30, 59),
      state: alerted(10),
      kind: 'HALF_UPDATE',
    },
    {
      name: 'minute 31 (late scan) → no HALF_UPDATE',
      curr: spiky,
      prevK: prev,
      now: at(10, 31),
      state: alerted(10),
      kind: null,
    },
    // at 11:00 curr is the 10:00 candle that just closed
    {
      name: 'minute 0, initialMinute 50 → FULL_UPDATE',
      curr: spiky,
      prevK: prev,
      now: at(11, 0, 2),
      state: alerted(50),
      kind: 'FULL_UPDATE',
    },
    {
      name: 'minute 0, initialMinute 55 → no FULL_UPDATE',
      curr: spiky,
      prevK: prev,
      now: at(11, 0, 2),
      state: alerted(55),
      kind: null,
    },
    {
      name: 'minute 0, initialMinute missing → FULL_UPDATE',
      curr: spiky,
      prevK: prev,
      now: at(11, 0),
      state: alerted(),
      kind: 'FULL_UPDATE',
    },
    {
      name: 'minute 0 spike on the just-closed candle when not alerted',
      curr: spiky,
      prevK: prev,
      now: at(11, 0),
      state: {},
      kind: 'SPIKE',
    },
  ])('$name', ({ curr, prevK, now, state, kind }) => {
    const e = evaluateVolumeSymbol({ symbol: 'FOOUSDT', prev: prevK, curr, now, state });
    expect(e.kind).toBe(kind);
  });

  it('records the hour and scan minute on a SPIKE, and leaves state alone on updates', () => {
    const s = evaluateVolumeSymbol({ symbol: 'FOOUSDT', prev, curr: spiky, now: at(10, 15, 42), state: undefined });
    expect(s.nextState).toEqual({ lastAlertHour: HOUR10, initialMinute: 15 });
    const u = evaluateVolumeSymbol({ symbol: 'FOOUSDT', prev, curr: spiky, now: at(10, 30), state: s.nextState });
    expect(u.kind).toBe('HALF_UPDATE');
    expect(u.nextState).toEqual(s.nextState);
    const n = evaluateVolumeSymbol({
      symbol: 'FOOUSDT',
      prev,
      curr: kline(HOUR10, 1),
      now: at(10, 40),
      state: undefined,
    });
    expect(n.nextState).toEqual({});
  });

  it.each([
    { open: 1, close: 1.0001, dir: 'bullish', priceChange: 0.0001 / 1 },
    { open: 1, close: 1, dir: 'bearish', priceChange: 0 }, // equal is bearish
    { open: 2, close: 1, dir: 'bearish', priceChange: -0.5 },
    { open: 0, close: 1, dir: 'bullish', priceChange: undefined }, // open ≤ 0 → priceChange omitted
  ])('open $open close $close → $dir', ({ open, close, dir, priceChange }) => {
    const e = evaluateVolumeSymbol({
      symbol: 'FOOUSDT',
      prev,
      curr: kline(HOUR10, 1e7, open, close),
      now: at(10, 5),
      state: {},
    });
    expect(e.candleDirection).toBe(dir);
    if (priceChange === undefined) expect('priceChange' in e).toBe(false);
    else expect(e.priceChange).toBeCloseTo(priceChange, 12);
  });

  it('floors the hour from the compared candle open time', () => {
    const e = evaluateVolumeSymbol({
      symbol: 'FOOUSDT',
      prev,
      curr: kline(HOUR10 + 1234, 1),
      now: at(10, 5),
      state: {},
    });
    expect(e.hourTimestamp).toBe(HOUR10);
  });
});

describe('formatting', () => {
  it.each([
    { v: 12500000.5, out: '12.50M' },
    { v: 3100000, out: '3.10M' },
    { v: 1234567890123, out: '1,234.57B' },
    { v: 9999999999.999, out: '10.00B' },
    { v: 999999.999, out: '1,000.00K' },
    { v: 3125000, out: '3.12M' }, // tie → even
    { v: 1125, out: '1.12K' }, // tie → even
    { v: 2675000, out: '2.67M' }, // 2.675 is below in binary
    { v: 12345.675, out: '12.35K' },
    { v: 1000, out: '1.00K' },
    { v: 999.5, out: '1,000' },
    { v: 998.5, out: '998' },
    { v: 0, out: '0' },
  ])('formatVolume($v) → $out', ({ v, out }) => {
    expect(formatVolume(v)).toBe(out);
  });

  it.each([
    { s: 'BTCUSDT', out: 'BTC' },
    { s: 'USDTUSDT', out: '' },
    { s: 'USDCUSDT', out: 'USDC' },
    { s: 'FOO_USDT_USDT', out: 'FOO__' },
  ])('assetOf($s) → "$out"', ({ s, out }) => {
    expect(assetOf(s)).toBe(out);
  });

  it.each([
    { kind: 'SPIKE', currVol: 12500000.5, ratio: 4.03, out: 'FOO hourly volume 12.50M (4.03× prev) — VOLUME SPIKE!' },
    {
      kind: 'HALF_UPDATE',
      currVol: 12500000.5,
      ratio: 4.03,
      out: 'HALF-UPDATE: FOO hourly volume 12.50M (4.03× prev) — VOLUME SPIKE!',
    },
    {
      kind: 'FULL_UPDATE',
      currVol: 1234567890123,
      ratio: 3.125,
      out: 'UPDATE: FOO hourly volume 1,234.57B (3.12× prev) — VOLUME SPIKE!',
    },
    { kind: 'SPIKE', currVol: 3125000, ratio: 0.125, out: 'FOO hourly volume 3.12M (0.12× prev) — VOLUME SPIKE!' },
  ] as const)('message $kind → $out', ({ kind, currVol, ratio, out }) => {
    expect(volumeAlertMessage({ kind, symbol: 'FOOUSDT', currVol, ratio })).toBe(out);
    expect(out).toContain('\u00d7 prev) \u2014 VOLUME');
  });

  it.each([
    {
      name: 'plain line',
      p: { prevVol: 3100000, currVol: 4000000, ratio: 1.29, kind: null, candleDirection: 'bullish' },
      out: 'FOOUSDT       prev:     3.10M  curr:     4.00M  ( 1.29×)',
    },
    {
      name: 'ratio hit under the minimum',
      p: { prevVol: 500000, currVol: 2000000, ratio: 4, kind: null, candleDirection: 'bullish' },
      out: 'FOOUSDT       prev:   500.00K  curr:     2.00M  ( 4.00×) (ratio hit, volume < min)',
    },
    {
      name: 'spike, bullish',
      p: { prevVol: 3100000, currVol: 12500000.5, ratio: 4.032258225806451, kind: 'SPIKE', candleDirection: 'bullish' },
      out: '\u001b[95;1mFOOUSDT       prev:     3.10M  curr:    12.50M  ( 4.03×)  ← VOLUME SPIKE! 🟢\u001b[0m',
    },
    {
      name: 'half update, bearish',
      p: { prevVol: 3100000, currVol: 12500000.5, ratio: 4.03, kind: 'HALF_UPDATE', candleDirection: 'bearish' },
      out: '\u001b[95;1mFOOUSDT       prev:     3.10M  curr:    12.50M  ( 4.03×)  ← HALF-UPDATE: VOLUME SPIKE! 🔴\u001b[0m',
    },
    {
      name: 'wide values are not truncated',
      p: { prevVol: 1, currVol: 1234567890123, ratio: 123.456, kind: null, candleDirection: 'bearish' },
      out: 'FOOUSDT       prev:         1  curr: 1,234.57B  (123.46×)',
    },
  ] as const)('console line: $name', ({ p, out }) => {
    expect(volumeConsoleLine({ symbol: 'FOOUSDT', ...p })).toBe(out);
  });
});

describe('volumeAlertPayload', () => {
  const prev = kline(HOUR10 - H, 3_100_000);
  const curr = kline(HOUR10, 12_500_000.5, 1.2, 1.2345);

  it('builds the legacy body with key order, timestamps and unrounded numbers', () => {
    const now = at(10, 25, 7, 950);
    const e = evaluateVolumeSymbol({ symbol: 'FOOUSDT', prev, curr, now, state: {} });
    const body = volumeAlertPayload({ evaluation: e, now, fundingRate: 0.0001, oiChange: 0.021 });
    expect(Object.keys(body ?? {})).toEqual([
      'symbol',
      'asset',
      'currentVolume',
      'previousVolume',
      'volumeRatio',
      'price',
      'fundingRate',
      'candleDirection',
      'message',
      'timestamp',
      'detectionTime',
      'hourTimestamp',
      'isUpdate',
      'alertType',
      'priceChange',
      'oiChange',
    ]);
    expect(body).toEqual({
      symbol: 'FOOUSDT',
      asset: 'FOO',
      currentVolume: 12500000.5,
      previousVolume: 3100000,
      volumeRatio: 12500000.5 / 3100000,
      price: 1.2345,
      fundingRate: 0.0001,
      candleDirection: 'bullish',
      message: 'FOO hourly volume 12.50M (4.03× prev) — VOLUME SPIKE!',
      timestamp: '2025-03-01T10:25:07Z',
      detectionTime: '2025-03-01T10:25:00Z',
      hourTimestamp: '2025-03-01T10:00:00Z',
      isUpdate: false,
      alertType: 'SPIKE',
      priceChange: (1.2345 - 1.2) / 1.2,
      oiChange: 0.021,
    });
  });

  it.each([
    { fundingRate: null, sent: 0 },
    { fundingRate: undefined, sent: 0 },
    { fundingRate: -0.00012345, sent: -0.00012345 },
  ])('sends fundingRate $fundingRate as $sent (legacy 0.0 fallback, this endpoint only)', ({ fundingRate, sent }) => {
    const e = evaluateVolumeSymbol({ symbol: 'FOOUSDT', prev, curr, now: at(10, 5), state: {} });
    expect(volumeAlertPayload({ evaluation: e, now: at(10, 5), fundingRate })?.fundingRate).toBe(sent);
  });

  it('marks a FULL_UPDATE at hh:00 with the previous hour and omits unknown optional fields', () => {
    const now = at(11, 0, 1);
    const e = evaluateVolumeSymbol({
      symbol: 'FOOUSDT',
      prev,
      curr: kline(HOUR10, 9e6, 0, 1),
      now,
      state: { lastAlertHour: HOUR10, initialMinute: 10 },
    });
    const body = volumeAlertPayload({ evaluation: e, now, fundingRate: 0.0001 });
    expect(body).toMatchObject({
      isUpdate: true,
      alertType: 'FULL_UPDATE',
      hourTimestamp: '2025-03-01T10:00:00Z',
      detectionTime: '2025-03-01T11:00:00Z',
      timestamp: '2025-03-01T11:00:01Z',
    });
    expect(body && 'priceChange' in body).toBe(false);
    expect(body && 'oiChange' in body).toBe(false);
    expect(body?.message.startsWith('UPDATE: FOO hourly volume 9.00M')).toBe(true);
  });

  it('returns null for a symbol without an alert', () => {
    const e = evaluateVolumeSymbol({ symbol: 'FOOUSDT', prev, curr: kline(HOUR10, 1), now: at(10, 5), state: {} });
    expect(volumeAlertPayload({ evaluation: e, now: at(10, 5), fundingRate: 0 })).toBeNull();
  });

  it('serialises like Python json.dumps', () => {
    const now = at(10, 25, 7);
    const e = evaluateVolumeSymbol({
      symbol: 'FOOUSDT',
      prev,
      curr: kline(HOUR10, 12_500_000.5, 1, 1),
      now,
      state: {},
    });
    expect(pyJsonDumps(volumeAlertPayload({ evaluation: e, now, fundingRate: null }))).toBe(
      '{"symbol": "FOOUSDT", "asset": "FOO", "currentVolume": 12500000.5, "previousVolume": 3100000.0, "volumeRatio": 4.032258225806451, ' +
        '"price": 1.0, "fundingRate": 0.0, "candleDirection": "bearish", "message": "FOO hourly volume 12.50M (4.03\\u00d7 prev) \\u2014 VOLUME SPIKE!", ' +
        '"timestamp": "2025-03-01T10:25:07Z", "detectionTime": "2025-03-01T10:25:00Z", "hourTimestamp": "2025-03-01T10:00:00Z", "isUpdate": false, "alertType": "SPIKE", "priceChange": 0.0}',
    );
  });
});

describe('volumeOiChange', () => {
  it.each([
    { start: 1000, cur: 1100, out: 0.1 },
    { start: 0, cur: 1100, out: undefined },
    { start: 1000, cur: 0, out: undefined },
    { start: null, cur: 1100, out: undefined },
    { start: 1000, cur: undefined, out: undefined },
  ])('($start → $cur) = $out', ({ start, cur, out }) => {
    const r = volumeOiChange(start, cur);
    if (out === undefined) expect(r).toBeUndefined();
    else expect(r).toBeCloseTo(out, 12);
  });
});
