import { afterEach, describe, expect, it } from 'vitest';
import { startSim } from '../src/index.js';
import type { Sim } from '../src/index.js';
import { get, post } from './helpers.js';

type Row = [number, string, string, string, string, string, number, string, number, string, string, string];

let sim: Sim | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

/** A manual clock 5 minutes into an hour; the sim's own timer is parked (tickMs 1 h) and we tick by hand. */
async function manualSim(): Promise<{ sim: Sim; advance(ms: number): void }> {
  let t = Math.floor(Date.now() / 3600_000) * 3600_000 + 300_000;
  const s = await startSim({ port: 0, symbols: 60, seed: 3, tickMs: 3600_000, clock: () => t });
  return {
    sim: s,
    advance: (ms) => {
      const end = t + ms;
      while (t < end) {
        t = Math.min(end, t + 5000);
        s.market.tick(t);
      }
    },
  };
}

describe('control API', () => {
  it('POST /__sim/oi ramps open interest linearly to the target, then holds it', async () => {
    const m = await manualSim();
    sim = m.sim;
    const start = sim.market.openInterest('ETHUSDT');
    const r = await post<{ ok: boolean; target: number }>(sim.url, '/__sim/oi', {
      symbol: 'ETHUSDT',
      changePct: 10,
      rampSec: 60,
    });
    expect(r.status).toBe(200);
    expect(r.body.target).toBeCloseTo(start * 1.1, 3);
    m.advance(30_000);
    const mid = Number(
      (await get<{ openInterest: string }>(sim.url, '/fapi/v1/openInterest?symbol=ETHUSDT')).body.openInterest,
    );
    expect(mid / start).toBeCloseTo(1.05, 3);
    m.advance(31_000);
    expect(sim.market.openInterest('ETHUSDT') / start).toBeCloseTo(1.1, 3);
    m.advance(60_000);
    expect(sim.market.openInterest('ETHUSDT') / start).toBeCloseTo(1.1, 2); // no reversion to the old level
    // a drop, at once
    await post(sim.url, '/__sim/oi', { symbol: 'ETHUSDT', changePct: -20, rampSec: 0 });
    expect(sim.market.openInterest('ETHUSDT') / start).toBeCloseTo(1.1 * 0.8, 2);
    // the 5m OI history follows the live value
    m.advance(300_000);
    const hist = await get<{ sumOpenInterest: string }[]>(
      sim.url,
      '/futures/data/openInterestHist?symbol=ETHUSDT&period=5m&limit=3',
    );
    expect(Number(hist.body[2]?.sumOpenInterest) / start).toBeCloseTo(0.88, 2);
  });

  it('POST /__sim/oi on the least liquid symbol trades at least |ΔOI| contracts, seen in REST klines and ticker', async () => {
    const m = await manualSim();
    sim = m.sim;
    const tail = sim.market.liquid(0).at(-1) ?? '';
    const kline1m = async (): Promise<Row> =>
      (
        (await get<Row[]>(sim?.url ?? '', `/fapi/v1/klines?symbol=${tail}&interval=1m&limit=1`)).body as Row[]
      )[0] as Row;
    const volume24h = async (): Promise<number> =>
      Number((await get<{ volume: string }>(sim?.url ?? '', `/fapi/v1/ticker/24hr?symbol=${tail}`)).body.volume);
    const [k0, v0, oi0] = [await kline1m(), await volume24h(), sim.market.openInterest(tail)];
    const r = await post(sim.url, '/__sim/oi', { symbol: tail, changePct: -15, rampSec: 20 });
    expect(r.status).toBe(200);
    m.advance(20_000);
    const moved = oi0 - sim.market.openInterest(tail);
    expect(moved / oi0).toBeCloseTo(0.15, 6);
    const step = 10 ** -sim.market.state(tail).info.quantityPrecision;
    const k1 = await kline1m();
    expect(k1[0]).toBe(k0[0]); // same minute (the manual clock starts 5 minutes into an hour)
    expect(Number(k1[5]) - Number(k0[5])).toBeGreaterThanOrEqual(moved - step);
    expect(Number(k1[7]) - Number(k0[7])).toBeGreaterThan(0);
    expect(k1[8]).toBeGreaterThan(k0[8]);
    expect((await volume24h()) - v0).toBeGreaterThanOrEqual(moved - step);
    // a symbol that does not trade cannot be moved
    const gone = await post<{ error: string }>(sim.url, '/__sim/oi', { symbol: 'GONEUSDT', changePct: 5 });
    expect(gone.status).toBe(400);
    expect(gone.body.error).toMatch(/CLOSE/);
  });

  it('POST /__sim/volume makes the live 1h candle ratio × the previous one for the rest of the hour', async () => {
    const m = await manualSim();
    sim = m.sim;
    const r = await post<{ current: number; previous: number }>(sim.url, '/__sim/volume', {
      symbol: 'SOLUSDT',
      ratio: 5,
    });
    expect(r.status).toBe(200);
    expect(r.body.current / r.body.previous).toBeCloseTo(5, 6);
    m.advance(20 * 60_000);
    const k = await get<Row[]>(sim.url, '/fapi/v1/klines?symbol=SOLUSDT&interval=1h&limit=2');
    const [prev, cur] = k.body as [Row, Row];
    expect(Number(cur[7]) / Number(prev[7])).toBeCloseTo(5, 4);
    // the 1m candles of the hour carry the same volume
    const mins = await get<Row[]>(sim.url, `/fapi/v1/klines?symbol=SOLUSDT&interval=1m&startTime=${cur[0]}&limit=60`);
    expect(mins.body.reduce((s, x) => s + Number(x[7]), 0) / Number(cur[7])).toBeCloseTo(1, 4);
    // next hour: normal again
    m.advance(40 * 60_000);
    const next = await get<Row[]>(sim.url, '/fapi/v1/klines?symbol=SOLUSDT&interval=1h&limit=2');
    const [closed, open] = next.body as [Row, Row];
    expect(closed[0]).toBe(cur[0]);
    expect(Number(closed[7]) / Number(prev[7])).toBeCloseTo(5, 4);
    expect(Number(open[7])).toBeLessThan(Number(closed[7]));
  });

  it('POST /__sim/quote-volume and /__sim/price change what REST reports', async () => {
    sim = await startSim({ port: 0, symbols: 60, seed: 3 });
    const sym = sim.market.liquid(0).at(-1) ?? '';
    expect((await post(sim.url, '/__sim/quote-volume', { symbol: sym, quoteVolume24h: 25_000_000 })).status).toBe(200);
    const t = await get<{ quoteVolume: string }>(sim.url, `/fapi/v1/ticker/24hr?symbol=${sym}`);
    expect(Number(t.body.quoteVolume) / 25_000_000).toBeCloseTo(1, 2);
    expect(sim.market.liquid(20_000_000)).toContain(sym);
    await post(sim.url, '/__sim/price', { symbol: 'BTCUSDT', price: 50000 });
    const p = await get<{ price: string }>(sim.url, '/fapi/v2/ticker/price?symbol=BTCUSDT');
    expect(Number(p.body.price)).toBe(50000);
    expect(sim.market.markPrice('BTCUSDT')).toBeCloseTo(50000, 0);
  });

  it('rejects bad control bodies with 400 and a message', async () => {
    sim = await startSim({ port: 0, symbols: 20 });
    const cases: [string, unknown][] = [
      ['/__sim/oi', { symbol: 'BTCUSDT' }],
      ['/__sim/oi', { symbol: 'NOPE', changePct: 5, rampSec: 1 }],
      ['/__sim/volume', { symbol: 'BTCUSDT', ratio: -1 }],
      ['/__sim/price', { symbol: 'BTCUSDT', price: 0 }],
      ['/__sim/ws/silence', { ms: 'long' }],
    ];
    for (const [path, body] of cases) {
      const r = await post<{ error: string }>(sim.url, path, body);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expect(r.body.error.length).toBeGreaterThan(3);
    }
    const bad = await fetch(`${sim.url}/__sim/oi`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
  });

  it('control requests cost no weight; /__sim/reset restores the seeded market and zeroes counters', async () => {
    sim = await startSim({ port: 0, symbols: 20, seed: 11 });
    const before = sim.market.openInterest('BTCUSDT');
    await get(sim.url, '/fapi/v1/ticker/24hr');
    await post(sim.url, '/__sim/oi', { symbol: 'BTCUSDT', changePct: 50, rampSec: 0 });
    const stats = (
      await get<{ weightUsed1m: number; requests: Record<string, number>; weightByPath: Record<string, number> }>(
        sim.url,
        '/__sim/stats',
      )
    ).body;
    expect(stats.weightUsed1m).toBe(40);
    expect(stats.requests).toEqual({ '/fapi/v1/ticker/24hr': 1 });
    expect(stats.weightByPath).toEqual({ '/fapi/v1/ticker/24hr': 40 });
    expect((await post(sim.url, '/__sim/reset', {})).status).toBe(200);
    expect(sim.market.openInterest('BTCUSDT')).toBeCloseTo(before, 6);
    const after = (await get<{ weightUsed1m: number; requests: Record<string, number> }>(sim.url, '/__sim/stats')).body;
    expect(after.weightUsed1m).toBe(0);
    expect(after.requests).toEqual({});
  });
});
