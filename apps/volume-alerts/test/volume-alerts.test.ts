import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightBudget } from '@volspike/binance-client';
import type { Kline } from '@volspike/binance-client';
import { startSim } from '@volspike/binance-sim';
import type { Sim } from '@volspike/binance-sim';
import {
  evaluateVolumeSymbol,
  isTopOfHour,
  selectCandles,
  volumeAlertPayload,
  volumeOiChange,
} from '@volspike/oi-core';
import type { VolumeAlertPayload, VolumeSymbolState } from '@volspike/oi-core';
import { CHANNELS, KEYS, createBus, createMetrics } from '@volspike/runtime';
import type { Bus } from '@volspike/runtime';
import { legacyPerpetualSymbols, loadAppEnv, start } from '../src/index.js';
import type { CandleSource, VolumeAlertsHandle } from '../src/index.js';
import { captureLogger, startFakeBackend, startFakeFunding, startFakeTelegram, waitFor } from './helpers.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 23, 10, 3, 0);
const at = (hh: number, mm: number): number => Date.UTC(2026, 10, 23, hh, mm, 0);

type RawKline = [number, string, string, string, string, string, number, string, number, ...unknown[]];
const toKline = (k: RawKline): Kline => ({
  openTime: k[0],
  open: Number(k[1]),
  high: Number(k[2]),
  low: Number(k[3]),
  close: Number(k[4]),
  volume: Number(k[5]),
  closeTime: k[6],
  quoteVolume: Number(k[7]),
  trades: k[8],
});

// Each test waits (bounded) for the kline streams to settle, after a restart too: on a loaded 2-core machine
// that can take well over the default 30 s test timeout.
describe('volume-alerts against the simulated exchange', { timeout: 120_000 }, () => {
  let sim: Sim;
  let simNow = T0;
  let appNow = T0;
  let prod: Awaited<ReturnType<typeof startFakeBackend>>;
  let dev: Awaited<ReturnType<typeof startFakeBackend>>;
  let tg: Awaited<ReturnType<typeof startFakeTelegram>>;
  let funding: Awaited<ReturnType<typeof startFakeFunding>>;
  let dataDir: string;
  let bus: Bus;
  let budget: WeightBudget;
  let app: VolumeAlertsHandle;
  const cap = captureLogger('debug');
  let symbols: string[];
  let spiky: string;
  let staleFunding: string;
  const legacyState: Record<string, VolumeSymbolState> = {};
  const expectedProd: VolumeAlertPayload[] = [];

  const envSource = (): Record<string, string> => ({
    VOLSPIKE_API_URL: prod.url,
    VOLSPIKE_API_KEY: 'prod-key',
    VOLSPIKE_API_URL_DEV: dev.url,
    VOLSPIKE_API_KEY_DEV: 'dev-key',
    TELEGRAM_TOKEN: '123:abc',
    CHAT_ID: '-1001',
    TELEGRAM_API_URL: tg.url,
    FUNDING_API_URL: funding.url,
    BINANCE_REST_URL: sim.url,
    BINANCE_WS_URL: sim.wsUrl,
    VOLUME_CLOSE_GRACE_MS: '300',
  });
  const startApp = (): Promise<VolumeAlertsHandle> =>
    start(
      loadAppEnv(envSource()),
      { logger: cap.logger, bus, budget, dataDir, metrics: createMetrics() },
      { now: () => appNow, schedule: false, outboxBaseDelayMs: 50 },
    );

  /** Steps the market in 10 s ticks (so volume lands in the right minutes) up to `to`. */
  function advanceMarket(to: number): void {
    for (let t = simNow + 10_000; t < to; t += 10_000) sim.market.tick(t);
    sim.market.tick(to);
    simNow = to;
  }

  async function restKlines(symbol: string, limit: number): Promise<Kline[]> {
    const res = await fetch(`${sim.url}/fapi/v1/klines?symbol=${symbol}&interval=1h&limit=${limit}`);
    return ((await res.json()) as RawKline[]).map(toKline);
  }

  async function restOi(symbol: string): Promise<number> {
    const res = await fetch(`${sim.url}/fapi/v1/openInterest?symbol=${symbol}`);
    return Number(((await res.json()) as { openInterest: string }).openInterest);
  }

  /** What the legacy REST scan computes at cycle time t, with the pure rules; advances the legacy state. */
  async function legacyCycle(t: number, snapshots: Map<string, number>): Promise<VolumeAlertPayload[]> {
    const top = isTopOfHour(t);
    const out: VolumeAlertPayload[] = [];
    for (const symbol of symbols) {
      const pair = selectCandles({ klines: await restKlines(symbol, top ? 3 : 2), now: t, atTopOfHour: top });
      if (!pair) continue;
      const e = evaluateVolumeSymbol({ symbol, prev: pair.prev, curr: pair.curr, now: t, state: legacyState[symbol] });
      legacyState[symbol] = e.nextState;
      if (!e.kind) continue;
      const start = snapshots.get(symbol);
      const oiChange = start === undefined ? undefined : volumeOiChange(start, await restOi(symbol));
      const payload = volumeAlertPayload({
        evaluation: e,
        now: t,
        fundingRate: funding.rates.get(symbol) ?? 0.0,
        oiChange,
      });
      if (payload) out.push(payload);
    }
    return out;
  }

  async function streamSettled(t: number): Promise<void> {
    const live = app.candles as CandleSource;
    await live.backfillDone();
    await waitFor(
      async () => {
        const stream = live.streamPairs(symbols, t);
        if (stream.size !== symbols.length) return false;
        for (const s of symbols) {
          const top = isTopOfHour(t);
          const rest = selectCandles({ klines: await restKlines(s, top ? 3 : 2), now: t, atTopOfHour: top });
          const st = stream.get(s);
          if (
            !rest ||
            !st ||
            st.curr.quoteVolume !== rest.curr.quoteVolume ||
            st.prev.quoteVolume !== rest.prev.quoteVolume
          )
            return false;
        }
        return true;
      },
      60_000,
      50,
    );
  }

  beforeAll(async () => {
    sim = await startSim({ port: 0, symbols: 30, clock: () => simNow, tickMs: 20 });
    [prod, dev, tg, funding] = await Promise.all([
      startFakeBackend(),
      startFakeBackend(),
      startFakeTelegram(),
      startFakeFunding(),
    ]);
    dataDir = await mkdtemp(join(tmpdir(), 'volume-alerts-'));
    bus = createBus({ logger: cap.logger });
    budget = new WeightBudget({ logger: cap.logger });
    const info = (await (await fetch(`${sim.url}/fapi/v1/exchangeInfo`)).json()) as {
      symbols: { symbol: string; contractType: string; quoteAsset: string; status: string }[];
    };
    symbols = legacyPerpetualSymbols(info.symbols);
    const liquid = sim.market.liquid(4e6).filter((s) => (sim.market.hourVolumes(s).previous ?? 0) * 4 >= 3_000_000);
    spiky = liquid[0] as string;
    staleFunding = liquid[1] as string;
    funding.rates.set(spiky, 0.000125);
    funding.stale.add(staleFunding);
    app = await startApp();
  });

  afterAll(async () => {
    await app?.stop();
    await budget?.stop();
    await bus?.close();
    await Promise.all([sim?.close(), prod?.close(), dev?.close(), tg?.close(), funding?.close()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('has a universe in exchangeInfo order with the filtered-out symbols removed', () => {
    expect(symbols).toHaveLength(30);
    expect(symbols).not.toContain('BTCUSDC');
    expect(symbols).not.toContain('XAUUSDT');
  });

  it('sends the SPIKE at the next cycle: PROD and Telegram get the legacy payload and text while DEV is down', async () => {
    dev.state.down = true;
    prod.state.snapshots.set(spiky, sim.market.openInterest(spiky) * 0.9);
    await fetch(`${sim.url}/__sim/volume`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: spiky, ratio: 4 }),
    });
    await fetch(`${sim.url}/__sim/volume`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: staleFunding, ratio: 5 }),
    });
    const t = at(10, 5);
    advanceMarket(t - 1);
    appNow = t;
    await streamSettled(t);
    const expected = await legacyCycle(t, prod.state.snapshots);
    expectedProd.push(...expected);

    const r = await app.runCycle(t);
    expect(r.volume.source).toBe('ws');
    expect(r.volume.fromStream).toBe(30);
    await waitFor(() => prod.volumeAlerts().length === expected.length && tg.messages.length === expected.length, 3000);

    const spike = expected.find((p) => p.symbol === spiky);
    expect(spike).toMatchObject({
      alertType: 'SPIKE',
      isUpdate: false,
      fundingRate: 0.000125,
      timestamp: '2026-11-23T10:05:00Z',
      detectionTime: '2026-11-23T10:05:00Z',
      hourTimestamp: '2026-11-23T10:00:00Z',
    });
    const start = prod.state.snapshots.get(spiky) as number;
    expect(spike?.oiChange).toBe(((await restOi(spiky)) - start) / start);
    expect(spike?.message).toMatch(
      new RegExp(
        `^${spiky.replace(/USDT/g, '')} hourly volume [\\d,]+\\.\\d\\d[MB] \\(4\\.00\u00d7 prev\\) \u2014 VOLUME SPIKE!$`,
      ),
    );
    expect(expected.find((p) => p.symbol === staleFunding)).toMatchObject({ alertType: 'SPIKE', fundingRate: 0 });

    // bytes on the wire: legacy key order, unrounded numbers
    expect(prod.volumeAlerts().map((q) => JSON.stringify(q.body))).toEqual(expected.map((p) => JSON.stringify(p)));
    expect(prod.volumeAlerts()[0]?.headers['x-api-key']).toBe('prod-key');
    expect(prod.volumeAlerts()[0]?.headers['idempotency-key']).toMatch(/^volume-alerts:prod:/);
    expect(tg.messages.map((m) => m.text)).toEqual(expected.map((p) => p.message));
    expect(tg.messages.every((m) => m.token === '123:abc' && m.chatId === '-1001' && m.method === 'GET')).toBe(true);
    // the stale funding API (503) was asked once, not retried (defect 2)
    expect(funding.calls.filter((s) => s === staleFunding)).toHaveLength(1);
    // the console line, through pino
    const line = cap.lines.find((l) => l.symbol === spiky && l.alertType === 'SPIKE');
    expect(String(line?.msg)).toContain('\u2190 VOLUME SPIKE! ');
    expect(dev.volumeAlerts()).toHaveLength(0);
  });

  it('posts the 5-minute OI snapshot without source, mark price from the bus (null when unknown), reusing fresh realtime samples', async () => {
    const snap = prod.snapshots().at(-1)?.body as {
      data: { symbol: string; openInterest: number; openInterestUsd: number | null; markPrice: number | null }[];
      timestamp: string;
      totalSymbols: number;
    };
    expect(Object.keys(snap)).toEqual(['data', 'timestamp', 'totalSymbols']);
    expect(snap.timestamp).toBe('2026-11-23T10:05:00Z');
    expect(snap.totalSymbols).toBe(30);
    expect(snap.data.every((d) => d.markPrice === null && d.openInterestUsd === null)).toBe(true);

    const [a, b] = symbols as [string, string];
    // The memory bus calls subscribers in the order they subscribed: once this one (subscribed after the app)
    // has the OI sample, the app has it and the mark price published before it.
    let sampleSeen = false;
    const unsubscribe = await bus.subscribe(CHANNELS.oiSamples, () => {
      sampleSeen = true;
    });
    await bus.setJson(KEYS.markPrices, {});
    await bus.publish(CHANNELS.markPrices, {
      updatedAt: appNow,
      prices: [
        {
          symbol: a,
          markPrice: 2.5,
          indexPrice: null,
          fundingRate: null,
          nextFundingTime: null,
          updatedAt: at(10, 10),
        },
      ],
    });
    await bus.publish(CHANNELS.oiSamples, {
      samples: [{ symbol: b, openInterest: 12345, openInterestUsd: null, markPrice: null, ts: at(10, 10) - 5000 }],
    });
    await waitFor(() => sampleSeen);
    await unsubscribe();
    const before = sim.stats().requests['/fapi/v1/openInterest'] ?? 0;
    const t = at(10, 10);
    advanceMarket(t - 1);
    appNow = t;
    const expected = await legacyCycle(t, prod.state.snapshots);
    expectedProd.push(...expected);
    const r = await app.runCycle(t);
    expect(r.volume.alerts.map((p) => JSON.stringify(p))).toEqual(expected.map((p) => JSON.stringify(p)));
    expect(r.snapshot).toMatchObject({ posted: true, reused: 1, fetched: 29 });
    expect((sim.stats().requests['/fapi/v1/openInterest'] ?? 0) - before).toBe(29);
    await waitFor(() => prod.snapshots().length === 2);
    const body = prod.snapshots()[1]?.body as typeof snap;
    const oiA = await restOi(a);
    expect(body.data.find((d) => d.symbol === a)).toEqual({
      symbol: a,
      openInterest: oiA,
      openInterestUsd: oiA * 2.5,
      markPrice: 2.5,
    });
    expect(body.data.find((d) => d.symbol === b)).toEqual({
      symbol: b,
      openInterest: 12345,
      openInterestUsd: null,
      markPrice: null,
    });
    expect(r.volume.alerts.filter((p) => p.symbol === spiky)).toHaveLength(0);
  });

  it('keeps lastAlert across a restart: no second SPIKE, and the HALF_UPDATE follows at :30 (Telegram down delays only Telegram)', async () => {
    await app.stop();
    app = await startApp();
    const t = at(10, 30);
    advanceMarket(t - 1);
    appNow = t;
    await streamSettled(t);
    const expected = await legacyCycle(t, prod.state.snapshots);
    expectedProd.push(...expected);
    // Telegram is down for this cycle: PROD must not wait for it
    tg.state.down = true;
    const tgBefore = tg.messages.length;
    const r = await app.runCycle(t);
    expect(r.volume.alerts.map((p) => JSON.stringify(p))).toEqual(expected.map((p) => JSON.stringify(p)));
    await waitFor(() => prod.volumeAlerts().length === expectedProd.length, 3000);
    expect(tg.messages.length).toBe(tgBefore);
    tg.state.down = false;
    await waitFor(() => tg.messages.length === expectedProd.length, 5000);
    const half = expected.find((p) => p.symbol === spiky);
    expect(half).toMatchObject({ alertType: 'HALF_UPDATE', isUpdate: true, hourTimestamp: '2026-11-23T10:00:00Z' });
    expect(half?.message.startsWith(`HALF-UPDATE: ${spiky.replace(/USDT/g, '')} hourly volume `)).toBe(true);
  });

  it('sends the FULL_UPDATE at 11:00 on the closed hour, from the streams, equal to the REST computation', async () => {
    const t = at(11, 0);
    advanceMarket(t);
    appNow = t;
    await streamSettled(t);
    const expected = await legacyCycle(t, prod.state.snapshots);
    expectedProd.push(...expected);
    const r = await app.runCycle(t);
    expect(r.volume.fromStream).toBe(30);
    expect(r.volume.alerts.map((p) => JSON.stringify(p))).toEqual(expected.map((p) => JSON.stringify(p)));
    const full = expected.find((p) => p.symbol === spiky);
    expect(full).toMatchObject({
      alertType: 'FULL_UPDATE',
      isUpdate: true,
      hourTimestamp: '2026-11-23T10:00:00Z',
      timestamp: '2026-11-23T11:00:00Z',
    });
    expect(full?.message.startsWith('UPDATE: ')).toBe(true);
    await waitFor(
      () => prod.volumeAlerts().length === expectedProd.length && tg.messages.length === expectedProd.length,
    );
    expect(prod.volumeAlerts().map((q) => JSON.stringify(q.body))).toEqual(expectedProd.map((p) => JSON.stringify(p)));
    await waitFor(() =>
      prod
        .heartbeats()
        .some(
          (h) => (h.body as { details: { lastCycleAt?: string } }).details.lastCycleAt === '2026-11-23T11:00:00.000Z',
        ),
    );
    expect(prod.heartbeats().at(-1)?.body).toMatchObject({
      component: 'volume-alerts',
      status: 'ok',
      details: { lastCycleAt: '2026-11-23T11:00:00.000Z', symbols: 30, alerts: expected.length, source: 'ws' },
    });
  });

  it('delivers everything to DEV once it is back, in order, exactly once', async () => {
    expect(dev.volumeAlerts()).toHaveLength(0);
    dev.state.down = false;
    await waitFor(
      () => dev.volumeAlerts().length === expectedProd.length && dev.snapshots().length === prod.snapshots().length,
      10_000,
    );
    // Nothing is left to (re)send: every queue is delivered, so the list below is final.
    await app.flush(10_000);
    expect(app.pending()).toBe(0);
    expect(dev.volumeAlerts().map((q) => JSON.stringify(q.body))).toEqual(expectedProd.map((p) => JSON.stringify(p)));
    expect(dev.volumeAlerts()[0]?.headers['x-api-key']).toBe('dev-key');
  });

  it('answers from REST when the kline stream is down, with the same result', async () => {
    await fetch(`${sim.url}/__sim/ws/silence`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ms: 2000 }),
    });
    await fetch(`${sim.url}/__sim/ws/drop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const t = at(11, 5);
    advanceMarket(t - 1);
    appNow = t;
    const expected = await legacyCycle(t, prod.state.snapshots);
    const r = await app.runCycle(t);
    expect(r.volume.fromRest).toBeGreaterThan(0);
    expect(r.volume.alerts.map((p) => JSON.stringify(p))).toEqual(expected.map((p) => JSON.stringify(p)));
  });

  it('at hh:00 without the closing candles on the stream, asks REST (after the grace) with the same result', async () => {
    await waitFor(() => (app.candles as CandleSource).stats().connected, 10_000);
    const t = at(12, 0);
    // the market has not rolled yet: the stream cannot have the final 11:00 candles
    advanceMarket(t - 1);
    appNow = t;
    const expected = await legacyCycle(t, prod.state.snapshots);
    const r = await app.runCycle(t);
    expect(r.volume.fromRest).toBe(30);
    expect(r.volume.alerts.map((p) => JSON.stringify(p))).toEqual(expected.map((p) => JSON.stringify(p)));
  });
});

void MIN;
