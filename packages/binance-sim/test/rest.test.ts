import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim } from '../src/index.js';
import type { Sim } from '../src/index.js';
import { get } from './helpers.js';

const DEC = /^-?\d+(\.\d+)?$/;
let sim: Sim;

beforeAll(async () => {
  sim = await startSim({ port: 0, symbols: 120, seed: 7, tickMs: 200 });
});
afterAll(async () => {
  await sim.close();
});

type Row = [number, string, string, string, string, string, number, string, number, string, string, string];

describe('REST shapes, weights and the used-weight header', () => {
  it('exchangeInfo lists the perpetuals plus symbols a client must filter out', async () => {
    const r = await get<{ serverTime: number; rateLimits: unknown[]; symbols: Record<string, unknown>[] }>(
      sim.url,
      '/fapi/v1/exchangeInfo',
    );
    expect(r.status).toBe(200);
    expect(Number(r.headers.get('x-mbx-used-weight-1m'))).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(r.body.serverTime)).toBe(true);
    expect(r.body.rateLimits).toContainEqual({
      rateLimitType: 'REQUEST_WEIGHT',
      interval: 'MINUTE',
      intervalNum: 1,
      limit: 2400,
    });
    const syms = r.body.symbols;
    const kept = syms.filter(
      (s) =>
        s.contractType === 'PERPETUAL' && s.status === 'TRADING' && s.quoteAsset === 'USDT' && s.marginAsset === 'USDT',
    );
    expect(kept).toHaveLength(120);
    expect(syms.some((s) => s.quoteAsset === 'USDC')).toBe(true);
    expect(syms.some((s) => s.contractType === 'CURRENT_QUARTER' && /_\d{6}$/.test(String(s.symbol)))).toBe(true);
    expect(syms.some((s) => s.contractType === 'TRADIFI_PERPETUAL')).toBe(true);
    expect(syms.some((s) => s.status === 'SETTLING')).toBe(true);
    expect(syms.some((s) => s.status === 'PENDING_TRADING')).toBe(true);
  });

  it('charges Binance weights and reports the running total on every response', async () => {
    // fixed-minute window: measure deltas, and retry if the minute rolled over in between
    const cases: [string, number][] = [
      ['/fapi/v1/ticker/24hr', 40],
      ['/fapi/v1/ticker/24hr?symbol=BTCUSDT', 1],
      ['/fapi/v1/premiumIndex', 10],
      ['/fapi/v1/premiumIndex?symbol=BTCUSDT', 1],
      ['/fapi/v2/ticker/price', 2],
      ['/fapi/v1/ticker/price?symbol=BTCUSDT', 1],
      ['/fapi/v1/openInterest?symbol=BTCUSDT', 1],
      ['/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=3', 1],
      ['/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=100', 2],
      ['/fapi/v1/klines?symbol=BTCUSDT&interval=1h', 5],
      ['/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=1500', 10],
      ['/futures/data/openInterestHist?symbol=BTCUSDT&period=5m', 0],
      ['/fapi/v1/klines?symbol=NOPEUSDT&interval=1h&limit=3', 1],
    ];
    for (const [path, weight] of cases) {
      for (let attempt = 0; ; attempt++) {
        const before = Number(
          (await get(sim.url, '/fapi/v1/openInterest?symbol=ETHUSDT')).headers.get('x-mbx-used-weight-1m'),
        );
        const r = await get(sim.url, path);
        const after = Number(r.headers.get('x-mbx-used-weight-1m'));
        if (after < before && attempt < 2) continue; // minute boundary passed
        expect({ path, weight: after - before }).toEqual({ path, weight });
        break;
      }
    }
  });

  it('ticker/24hr has decimal strings and integer times, with and without symbol', async () => {
    const one = await get<Record<string, unknown>>(sim.url, '/fapi/v1/ticker/24hr?symbol=BTCUSDT');
    for (const k of [
      'priceChange',
      'priceChangePercent',
      'weightedAvgPrice',
      'lastPrice',
      'lastQty',
      'openPrice',
      'highPrice',
      'lowPrice',
      'volume',
      'quoteVolume',
    ]) {
      expect(one.body[k], k).toMatch(DEC);
    }
    for (const k of ['openTime', 'closeTime', 'firstId', 'lastId', 'count'])
      expect(Number.isInteger(one.body[k]), k).toBe(true);
    expect(Number(one.body.quoteVolume)).toBeGreaterThan(1e9);
    const all = await get<Record<string, unknown>[]>(sim.url, '/fapi/v1/ticker/24hr');
    expect(all.body.length).toBeGreaterThan(120);
    expect(all.body.some((t) => t.symbol === 'NEWCOINUSDT')).toBe(false); // PENDING_TRADING has no ticker
  });

  it('premiumIndex, ticker/price and openInterest have Binance field names and types', async () => {
    const p = await get<Record<string, unknown>>(sim.url, '/fapi/v1/premiumIndex?symbol=ETHUSDT');
    expect(p.body).toMatchObject({
      symbol: 'ETHUSDT',
      markPrice: expect.stringMatching(DEC),
      indexPrice: expect.stringMatching(DEC),
      lastFundingRate: expect.stringMatching(DEC),
      interestRate: expect.stringMatching(DEC),
    });
    expect((p.body.nextFundingTime as number) % (8 * 3600_000)).toBe(0);
    const all = await get<unknown[]>(sim.url, '/fapi/v1/premiumIndex');
    expect(all.body.length).toBeGreaterThan(120);
    for (const path of ['/fapi/v1/ticker/price?symbol=ETHUSDT', '/fapi/v2/ticker/price?symbol=ETHUSDT']) {
      const t = await get<Record<string, unknown>>(sim.url, path);
      expect(t.body).toEqual({ symbol: 'ETHUSDT', price: expect.stringMatching(DEC), time: expect.any(Number) });
    }
    const oi = await get<Record<string, unknown>>(sim.url, '/fapi/v1/openInterest?symbol=ETHUSDT');
    expect(oi.body).toEqual({ openInterest: expect.stringMatching(DEC), symbol: 'ETHUSDT', time: expect.any(Number) });
    expect(Number(oi.body.openInterest)).toBeCloseTo(sim.market.openInterest('ETHUSDT'), 0);
  });

  it('answers Binance error codes for bad input, 404 for unknown paths, with the header', async () => {
    const cases: [string, number, number][] = [
      ['/fapi/v1/openInterest?symbol=NOPEUSDT', 400, -1121],
      ['/fapi/v1/openInterest', 400, -1102],
      ['/fapi/v1/klines?symbol=BTCUSDT', 400, -1102],
      ['/fapi/v1/klines?symbol=BTCUSDT&interval=7m', 400, -1120],
      ['/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=2000', 400, -1130],
      ['/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=abc', 400, -1102],
      ['/fapi/v1/klines?symbol=BTCUSDT&interval=1h&startTime=20&endTime=10', 400, -1130],
      ['/futures/data/openInterestHist?symbol=BTCUSDT&period=7m', 400, -1130],
      ['/futures/data/openInterestHist?symbol=BTCUSDT&period=5m&limit=501', 400, -1130],
      ['/fapi/v1/ticker/24hr?symbol=NOPE', 400, -1121],
    ];
    for (const [path, status, code] of cases) {
      const r = await get<{ code: number; msg: string }>(sim.url, path);
      expect({ path, status: r.status, code: r.body.code }).toEqual({ path, status, code });
      expect(r.headers.get('x-mbx-used-weight-1m')).toMatch(/^\d+$/);
    }
    const nf = await get(sim.url, '/fapi/v1/nothing');
    expect(nf.status).toBe(404);
    expect(nf.headers.get('x-mbx-used-weight-1m')).toMatch(/^\d+$/);
  });
});

describe('klines', () => {
  it('returns 12-element rows whose last element is the still-open candle', async () => {
    const r = await get<Row[]>(sim.url, '/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=3');
    expect(r.body).toHaveLength(3);
    for (const row of r.body) {
      expect(row).toHaveLength(12);
      expect(typeof row[0]).toBe('number');
      expect(typeof row[6]).toBe('number');
      expect(typeof row[8]).toBe('number');
      for (const i of [1, 2, 3, 4, 5, 7, 9, 10]) expect(row[i]).toMatch(DEC);
      expect(row[11]).toBe('0');
      expect(row[6]).toBe(row[0] + 3600_000 - 1);
    }
    const last = r.body[2] as Row;
    const now = Date.now();
    expect(last[0]).toBeLessThanOrEqual(now);
    expect(last[6]).toBeGreaterThan(now - 1000); // still open
    expect(Number(last[4])).toBeCloseTo(sim.market.lastPrice('BTCUSDT'), -1);
  });

  it('has at least 48 h of continuous 1h history (each open is the previous close)', async () => {
    const r = await get<Row[]>(sim.url, '/fapi/v1/klines?symbol=SOLUSDT&interval=1h&limit=72');
    expect(r.body).toHaveLength(72);
    for (let i = 1; i < r.body.length; i++) {
      const prev = r.body[i - 1] as Row;
      const cur = r.body[i] as Row;
      expect(cur[0] - prev[0]).toBe(3600_000);
      expect(cur[1]).toBe(prev[4]);
      expect(Number(cur[2])).toBeGreaterThanOrEqual(Math.max(Number(cur[1]), Number(cur[4])));
      expect(Number(cur[3])).toBeLessThanOrEqual(Math.min(Number(cur[1]), Number(cur[4])));
      expect(Number(cur[7])).toBeGreaterThan(0);
    }
  });

  it('5m candles of a past hour add up to its 1h candle', async () => {
    const hours = await get<Row[]>(sim.url, '/fapi/v1/klines?symbol=ETHUSDT&interval=1h&limit=5');
    const h = hours.body[1] as Row;
    const fives = await get<Row[]>(
      sim.url,
      `/fapi/v1/klines?symbol=ETHUSDT&interval=5m&startTime=${h[0]}&endTime=${h[6]}`,
    );
    expect(fives.body).toHaveLength(12);
    const f = fives.body;
    expect((f[0] as Row)[1]).toBe(h[1]);
    expect((f[11] as Row)[4]).toBe(h[4]);
    expect(Math.max(...f.map((x) => Number(x[2])))).toBeCloseTo(Number(h[2]), 6);
    expect(Math.min(...f.map((x) => Number(x[3])))).toBeCloseTo(Number(h[3]), 6);
    const q = f.reduce((s, x) => s + Number(x[7]), 0);
    expect(q / Number(h[7])).toBeCloseTo(1, 6);
  });

  it('honours startTime, endTime and limit like Binance', async () => {
    const all = await get<Row[]>(sim.url, '/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=10');
    const start = (all.body[2] as Row)[0];
    const fromStart = await get<Row[]>(
      sim.url,
      `/fapi/v1/klines?symbol=BTCUSDT&interval=1h&startTime=${start}&limit=3`,
    );
    expect(fromStart.body.map((x) => x[0])).toEqual(all.body.slice(2, 5).map((x) => x[0]));
    const toEnd = await get<Row[]>(sim.url, `/fapi/v1/klines?symbol=BTCUSDT&interval=1h&endTime=${start}&limit=2`);
    expect(toEnd.body.map((x) => x[0])).toEqual(all.body.slice(1, 3).map((x) => x[0]));
    const m1 = await get<Row[]>(sim.url, '/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=2');
    expect((m1.body[1] as Row)[0] - (m1.body[0] as Row)[0]).toBe(60_000);
  });

  it('is deterministic for a seed', async () => {
    const other = await startSim({ port: 0, symbols: 120, seed: 7 });
    try {
      const a = await get<Row[]>(sim.url, '/fapi/v1/klines?symbol=XRPUSDT&interval=1h&limit=30');
      const b = await get<Row[]>(other.url, '/fapi/v1/klines?symbol=XRPUSDT&interval=1h&limit=30');
      // the history before the start hour is identical; the live hour differs by random walk
      expect(b.body.slice(0, 28)).toEqual(a.body.slice(0, 28));
    } finally {
      await other.close();
    }
  });
});

describe('openInterestHist', () => {
  it('returns period-aligned points ending at the live OI, with its own request limit', async () => {
    const r = await get<Record<string, unknown>[]>(
      sim.url,
      '/futures/data/openInterestHist?symbol=BTCUSDT&period=5m&limit=12',
    );
    expect(r.body).toHaveLength(12);
    for (const p of r.body) {
      expect(p).toEqual({
        symbol: 'BTCUSDT',
        sumOpenInterest: expect.stringMatching(DEC),
        sumOpenInterestValue: expect.stringMatching(DEC),
        CMCCirculatingSupply: expect.stringMatching(DEC),
        timestamp: expect.any(Number),
      });
      expect((p.timestamp as number) % 300_000).toBe(0);
    }
    const last = r.body[11] as Record<string, unknown>;
    expect(Number(last.sumOpenInterest) / sim.market.openInterest('BTCUSDT')).toBeCloseTo(1, 2);
    const daily = await get<Record<string, unknown>[]>(
      sim.url,
      '/futures/data/openInterestHist?symbol=BTCUSDT&period=1d&limit=30',
    );
    expect(daily.body.length).toBeGreaterThanOrEqual(29);
    expect(
      ((daily.body[1] as Record<string, number>).timestamp as number) -
        ((daily.body[0] as Record<string, number>).timestamp as number),
    ).toBe(86_400_000);
    const def = await get<unknown[]>(sim.url, '/futures/data/openInterestHist?symbol=BTCUSDT&period=1h');
    expect(def.body).toHaveLength(30);
  });
});
