import { afterEach, describe, expect, it } from 'vitest';
import { startSim } from '../src/index.js';
import type { Sim, SimOptions } from '../src/index.js';
import { Recorder, post, sleep } from './helpers.js';

const FAST: SimOptions = {
  port: 0,
  symbols: 40,
  seed: 5,
  tickMs: 50,
  markPriceIntervalMs: 150,
  markPrice1sIntervalMs: 60,
  tickerIntervalMs: 100,
};
const DEC = /^-?\d+(\.\d+)?$/;

let sim: Sim | null = null;
const clients: Recorder[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await sim?.close();
  sim = null;
});

function connect(path: string): Recorder {
  const r = new Recorder(`${sim?.wsUrl ?? ''}${path}`);
  clients.push(r);
  return r;
}

interface Combined<T = unknown> {
  stream: string;
  data: T;
}
const isStream =
  (name: string) =>
  (m: unknown): m is Combined =>
    typeof m === 'object' && m !== null && (m as Combined).stream === name;

describe('WS market streams', () => {
  it('an OI move on the least liquid symbol shows as traded contracts in its kline_1m and !ticker@arr frames', async () => {
    sim = await startSim(FAST);
    const tail = sim.market.liquid(0).at(-1) ?? '';
    const stream = `${tail.toLowerCase()}@kline_1m`;
    const c = connect(`/market/stream?streams=${stream}/!ticker@arr`);
    type K = Combined<{ k: { v: string; n: number; t: number } }>;
    type T = Combined<{ s: string; v: string; n: number }[]>;
    const first = (await c.waitFor(isStream(stream))) as K;
    const tickerFrom = c.messages.length;
    const oi = sim.market.openInterest(tail);
    const r = await post<{ openInterest: number }>(sim.url, '/__sim/oi', { symbol: tail, changePct: 25, rampSec: 0 });
    expect(r.status).toBe(200);
    const moved = Math.abs(r.body.openInterest - oi);
    const step = 10 ** -sim.market.state(tail).info.quantityPrecision;
    const klines = (): K[] =>
      c.messages.filter((m): m is K => isStream(stream)(m) && (m as K).data.k.t === first.data.k.t);
    await c.waitUntil(() => klines().some((k) => Number(k.data.k.v) - Number(first.data.k.v) >= moved - step));
    const k = klines().at(-1) as K;
    expect(k.data.k.n).toBeGreaterThan(first.data.k.n);
    // the 24h ticker frame of the symbol carries the same trades
    const tickers = (): T['data'] =>
      c.messages.slice(tickerFrom).flatMap((m) => (isStream('!ticker@arr')(m) ? (m as T).data : []));
    await c.waitUntil(() => tickers().some((x) => x.s === tail));
  });

  it('a combined connection delivers !markPrice@arr, @1s, !ticker@arr and kline payloads with Binance field names', async () => {
    sim = await startSim(FAST);
    const c = connect('/market/stream?streams=!markPrice@arr/!markPrice@arr@1s/!ticker@arr/btcusdt@kline_1h');
    await c.opened;
    const mark = (await c.waitFor(isStream('!markPrice@arr'))) as Combined<Record<string, unknown>[]>;
    expect(mark.data.length).toBeGreaterThan(40);
    const btc = mark.data.find((x) => x.s === 'BTCUSDT');
    expect(btc).toEqual({
      e: 'markPriceUpdate',
      E: expect.any(Number),
      s: 'BTCUSDT',
      p: expect.stringMatching(DEC),
      i: expect.stringMatching(DEC),
      P: expect.stringMatching(DEC),
      r: expect.stringMatching(DEC),
      T: expect.any(Number),
    });
    await c.waitFor(isStream('!markPrice@arr@1s'));
    const ticker = (await c.waitFor(isStream('!ticker@arr'))) as Combined<Record<string, unknown>[]>;
    const t = ticker.data[0] ?? {};
    for (const k of ['p', 'P', 'w', 'c', 'Q', 'o', 'h', 'l', 'v', 'q']) expect(t[k], k).toMatch(DEC);
    for (const k of ['E', 'O', 'C', 'F', 'L', 'n']) expect(Number.isInteger(t[k]), k).toBe(true);
    expect(t.e).toBe('24hrTicker');
    const kline = (await c.waitFor(isStream('btcusdt@kline_1h'))) as Combined<{
      e: string;
      s: string;
      k: Record<string, unknown>;
    }>;
    expect(kline.data.e).toBe('kline');
    expect(Object.keys(kline.data.k).sort()).toEqual(
      ['B', 'L', 'Q', 'T', 'V', 'c', 'f', 'h', 'i', 'l', 'n', 'o', 'q', 's', 't', 'v', 'x'].sort(),
    );
    expect(kline.data.k).toMatchObject({ s: 'BTCUSDT', i: '1h', x: false, q: expect.stringMatching(DEC) });
    expect((kline.data.k.T as number) - (kline.data.k.t as number)).toBe(3600_000 - 1);
  });

  it('sends the closing kline with x: true, then the next candle (raw /market/ws path)', async () => {
    const start = Date.now();
    const base = Math.floor(start / 60_000) * 60_000 + 55_000;
    sim = await startSim({ ...FAST, clock: () => base + (Date.now() - start) * 20 }); // a minute every 3 s
    const c = connect('/market/ws/btcusdt@kline_1m');
    await c.opened;
    const isKline =
      (x: boolean) =>
      (m: unknown): m is { k: { t: number; x: boolean; o: string; c: string } } =>
        typeof m === 'object' && m !== null && (m as { k?: { x?: boolean } }).k?.x === x;
    const closed = await c.waitFor(isKline(true), 8000);
    const idx = c.messages.indexOf(closed);
    await c.waitUntil(() => c.messages.length > idx + 1);
    const next = c.messages[idx + 1] as { k: { t: number; x: boolean; o: string } };
    expect(next.k.x).toBe(false);
    expect(next.k.t).toBe(closed.k.t + 60_000);
    expect(next.k.o).toBe(closed.k.c);
  });

  it('gives a new follower of a quiet kline stream the open candle at once', async () => {
    sim = await startSim(FAST);
    const quiet = (sim.market.liquid(0).at(-1) ?? '').toLowerCase(); // the thinnest symbol trades rarely
    const stream = `${quiet}@kline_1h`;
    const a = connect(`/market/stream?streams=${stream}`);
    await a.opened;
    await a.waitFor(isStream(stream));
    const b = connect(`/market/stream?streams=${stream}`);
    await b.opened;
    const got = (await b.waitFor(isStream(stream), 1000)) as Combined<{ k: { x: boolean; s: string } }>;
    expect(got.data.k).toMatchObject({ x: false, s: quiet.toUpperCase() });
  });

  it('answers SUBSCRIBE, UNSUBSCRIBE and LIST_SUBSCRIPTIONS with {result, id}', async () => {
    sim = await startSim(FAST);
    const c = connect('/market/stream');
    await c.opened;
    c.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['!markPrice@arr@1s', 'ethusdt@kline_1h'], id: 1 }));
    await c.waitFor((m): m is unknown => JSON.stringify(m) === '{"result":null,"id":1}');
    await c.waitFor(isStream('!markPrice@arr@1s'));
    await c.waitFor(isStream('ethusdt@kline_1h'));
    c.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 2 }));
    const list = (await c.waitFor((m): m is { result: string[]; id: number } => (m as { id?: number }).id === 2))
      .result;
    expect(list.sort()).toEqual(['!markPrice@arr@1s', 'ethusdt@kline_1h']);
    c.ws.send(JSON.stringify({ method: 'UNSUBSCRIBE', params: ['!markPrice@arr@1s'], id: 3 }));
    await c.waitFor((m): m is unknown => JSON.stringify(m) === '{"result":null,"id":3}');
    await sleep(100);
    const n = c.messages.filter(isStream('!markPrice@arr@1s')).length;
    await sleep(300);
    expect(c.messages.filter(isStream('!markPrice@arr@1s')).length).toBe(n);
    c.ws.send(JSON.stringify({ method: 'NOPE', id: 4 }));
    const err = await c.waitFor((m): m is { error: { code: number } } => (m as { id?: number }).id === 4);
    expect(err.error.code).toBe(2);
  });

  it('delivers no market streams on /public or the legacy un-routed path (like Binance since 2026-04)', async () => {
    sim = await startSim(FAST);
    const pub = connect('/public/stream?streams=!markPrice@arr@1s');
    const legacy = connect('/stream?streams=!markPrice@arr@1s');
    const routed = connect('/market/stream?streams=!markPrice@arr@1s');
    await Promise.all([pub.opened, legacy.opened, routed.opened]);
    await routed.waitFor(isStream('!markPrice@arr@1s'));
    await sleep(300);
    expect(pub.messages).toEqual([]);
    expect(legacy.messages).toEqual([]);
  });

  it('sends ping frames every wsPingIntervalMs', async () => {
    sim = await startSim({ ...FAST, wsPingIntervalMs: 150 });
    const c = connect('/market/ws/!markPrice@arr');
    await c.opened;
    await c.waitUntil(() => c.pings >= 3, 3000);
  });

  it('POST /__sim/ws/drop closes every connection', async () => {
    sim = await startSim(FAST);
    const a = connect('/market/ws/!ticker@arr');
    const b = connect('/market/stream?streams=!ticker@arr');
    await Promise.all([a.opened, b.opened]);
    expect(sim.stats().wsConnections).toBe(2);
    const r = await post<{ dropped: number }>(sim.url, '/__sim/ws/drop', {});
    expect(r.body.dropped).toBe(2);
    await a.waitUntil(() => a.closed !== null && b.closed !== null);
    await a.waitUntil(() => sim?.stats().wsConnections === 0);
  });

  it('POST /__sim/ws/silence keeps sockets open but sends nothing, not even pings, for ms', async () => {
    sim = await startSim({ ...FAST, wsPingIntervalMs: 100 });
    const c = connect('/market/stream?streams=!markPrice@arr@1s');
    await c.opened;
    await c.waitFor(isStream('!markPrice@arr@1s'));
    await post(sim.url, '/__sim/ws/silence', { ms: 700 });
    await sleep(60); // a frame may be in flight
    const msgs = c.messages.length;
    const pings = c.pings;
    await sleep(500);
    expect(c.messages.length).toBe(msgs);
    expect(c.pings).toBe(pings);
    expect(c.closed).toBeNull();
    expect(sim.stats().wsSilenced).toBe(true);
    await c.waitUntil(() => c.messages.length > msgs && c.pings > pings, 3000);
  });

  it('disconnects a client that sends more than 10 messages a second', async () => {
    sim = await startSim(FAST);
    const c = connect('/market/stream');
    await c.opened;
    for (let i = 0; i < 12; i++) c.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: i }));
    await c.waitUntil(() => c.closed !== null);
    expect(c.closed?.code).toBe(1008);
    expect(sim.stats().wsRateDisconnects).toBe(1);
  });

  it('closes a connection after wsMaxLifetimeMs', async () => {
    sim = await startSim({ ...FAST, wsMaxLifetimeMs: 300 });
    const c = connect('/market/ws/!ticker@arr');
    await c.opened;
    const opened = Date.now();
    await c.waitUntil(() => c.closed !== null, 3000);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(250);
    expect(sim.stats().wsLifetimeDisconnects).toBe(1);
  });
});
