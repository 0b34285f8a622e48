import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightBudget } from '@volspike/binance-client';
import type { Kline } from '@volspike/binance-client';
import { startSim } from '@volspike/binance-sim';
import type { Sim } from '@volspike/binance-sim';
import { evaluateVolumeSymbol, isTopOfHour, selectCandles, volumeAlertPayload } from '@volspike/oi-core';
import type { VolumeAlertPayload, VolumeSymbolState } from '@volspike/oi-core';
import { legacyPerpetualSymbols, loadAppEnv } from '../src/index.js';
import { parseReplayArgs, runReplay } from '../src/replay.js';
import { captureLogger, startFakeBackend, startFakeFunding, startFakeTelegram } from './helpers.js';

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

describe('replay', () => {
  let sim: Sim;
  let simNow = at(10, 3);
  let prod: Awaited<ReturnType<typeof startFakeBackend>>;
  let tg: Awaited<ReturnType<typeof startFakeTelegram>>;
  let funding: Awaited<ReturnType<typeof startFakeFunding>>;
  let dataDir: string;
  let symbols: string[];
  const legacyState: Record<string, VolumeSymbolState> = {};
  const cap = captureLogger('warn');

  function advanceMarket(to: number): void {
    for (let t = simNow + 10_000; t < to; t += 10_000) sim.market.tick(t);
    sim.market.tick(to);
    simNow = to;
  }

  /** The legacy live scan at t: REST klines (no endTime) at that moment + the pure rules. */
  async function legacyCycle(t: number): Promise<VolumeAlertPayload[]> {
    const top = isTopOfHour(t);
    const out: VolumeAlertPayload[] = [];
    for (const symbol of symbols) {
      const res = await fetch(`${sim.url}/fapi/v1/klines?symbol=${symbol}&interval=1h&limit=${top ? 3 : 2}`);
      const pair = selectCandles({ klines: ((await res.json()) as RawKline[]).map(toKline), now: t, atTopOfHour: top });
      if (!pair) continue;
      const e = evaluateVolumeSymbol({ symbol, prev: pair.prev, curr: pair.curr, now: t, state: legacyState[symbol] });
      legacyState[symbol] = e.nextState;
      const p = volumeAlertPayload({ evaluation: e, now: t, fundingRate: funding.rates.get(symbol) ?? 0.0 });
      if (p) out.push(p);
    }
    return out;
  }

  const spike = (symbol: string, ratio: number): Promise<Response> =>
    fetch(`${sim.url}/__sim/volume`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol, ratio }),
    });

  beforeAll(async () => {
    // the market only moves when the test ticks it (no background ticks: tickMs is huge)
    sim = await startSim({ port: 0, symbols: 30, clock: () => simNow, tickMs: 1e9 });
    [prod, tg, funding] = await Promise.all([startFakeBackend(), startFakeTelegram(), startFakeFunding()]);
    dataDir = await mkdtemp(join(tmpdir(), 'volume-replay-'));
    const info = (await (await fetch(`${sim.url}/fapi/v1/exchangeInfo`)).json()) as {
      symbols: { symbol: string; contractType: string; quoteAsset: string; status: string }[];
    };
    symbols = legacyPerpetualSymbols(info.symbols);
  });

  afterAll(async () => {
    await Promise.all([sim?.close(), prod?.close(), tg?.close(), funding?.close()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reproduces the legacy sequence of backend payloads and Telegram messages for a scripted market', async () => {
    const liquid = sim.market.liquid(4e6).filter((s) => (sim.market.hourVolumes(s).previous ?? 0) * 3 >= 3_000_000);
    const [a, b, c] = liquid as [string, string, string];
    funding.rates.set(a, 0.0001);
    funding.rates.set(c, -0.00025);
    // The sim's spike rescales the hour's earlier 1-minute candles too (a real market never rewrites
    // history), so each spike is sized to stay below 3x in the as-of views of the cycles before it.
    const script: { t: number; before?: () => Promise<unknown>; beforeAt?: number }[] = [
      { t: at(10, 5), before: () => spike(a, 4), beforeAt: at(10, 3) },
      { t: at(10, 15), before: () => spike(b, 3.5), beforeAt: at(10, 12) },
      { t: at(10, 25), before: () => spike(c, 3.5), beforeAt: at(10, 21) },
      { t: at(10, 30) },
      { t: at(11, 0) },
      { t: at(11, 5) },
    ];
    const expected: VolumeAlertPayload[] = [];
    for (const step of script) {
      advanceMarket(step.beforeAt ?? step.t - 60_000);
      await step.before?.();
      // non-top cycles see the market just before the boundary; hh:00 the closed hour
      advanceMarket(isTopOfHour(step.t) ? step.t : step.t - 1);
      expected.push(...(await legacyCycle(step.t)));
    }
    const kinds = expected.map((p) => `${p.symbol}:${p.alertType}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        `${a}:SPIKE`,
        `${b}:SPIKE`,
        `${c}:SPIKE`,
        `${a}:HALF_UPDATE`,
        `${b}:HALF_UPDATE`,
        `${a}:FULL_UPDATE`,
        `${b}:FULL_UPDATE`,
        `${c}:FULL_UPDATE`,
      ]),
    );
    expect(kinds).not.toContain(`${c}:HALF_UPDATE`); // spiked at :25, initial minute > 20

    advanceMarket(at(11, 20));
    const env = loadAppEnv({
      VOLSPIKE_API_URL: prod.url,
      VOLSPIKE_API_KEY: 'k',
      TELEGRAM_TOKEN: 't',
      CHAT_ID: '1',
      TELEGRAM_API_URL: tg.url,
      FUNDING_API_URL: funding.url,
      BINANCE_REST_URL: sim.url,
    });
    const budget = new WeightBudget({ logger: cap.logger });
    try {
      const { times } = parseReplayArgs(script.flatMap((s) => ['--at', new Date(s.t).toISOString()]));
      const r = await runReplay({
        env,
        times,
        logger: cap.logger,
        budget,
        dataDir,
        flushTimeoutMs: 5000,
        now: () => simNow,
      });
      expect(r.undelivered).toBe(0);
      expect(r.cycles.map((x) => x.cycleTime)).toEqual(script.map((s) => s.t));
    } finally {
      await budget.stop();
    }
    const sent = prod.volumeAlerts().map((q) => q.body as Record<string, unknown>);
    expect(sent.map((p) => Object.keys(p))).toEqual(expected.map((p) => Object.keys(p)));
    for (const [i, p] of expected.entries()) {
      const got = sent[i] as Record<string, unknown>;
      for (const [k, v] of Object.entries(p)) {
        // the open candle is rebuilt from 1-minute candles whose decimals the sim rounds (5 dp),
        // so their sum can differ from the hourly value in the 11th significant digit
        if (typeof v === 'number')
          expect(Math.abs((got[k] as number) - v), `${i}.${k}`).toBeLessThanOrEqual(Math.abs(v) * 1e-9);
        else expect(got[k], `${i}.${k}`).toEqual(v);
      }
    }
    expect(tg.messages.map((m) => m.text)).toEqual(expected.map((p) => p.message));
  });

  it.each([
    [['--at', '2026-11-23T10:07:00Z'], /5-minute UTC boundaries/],
    [['--at', 'yesterday'], /not an ISO-8601 time/],
    [['--at', '2026-11-23T10:05:00'], /not an ISO-8601 time/],
    [[], /at least one --at/],
    [['--since', 'x'], /unknown argument --since/],
  ])('rejects bad arguments %j with a clear message', (argv, message) => {
    expect(() => parseReplayArgs(argv)).toThrow(message);
  });
});
