import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OiRingBuffer, parseOiTimeframes, type OiAlertDecision } from '@volspike/oi-core';
import { CHANNELS, createBus, createLogger } from '@volspike/runtime';
import { AlertEngine, alertIdempotencyKey, oiAlertConsoleLine } from './alert-engine.js';

const logger = createLogger({ name: 'alert-engine-unit', level: 'silent' });

const decision = (over: Partial<OiAlertDecision> = {}): OiAlertDecision => ({
  symbol: 'FOOUSDT',
  direction: 'UP',
  baseline: 1_000_000,
  current: 1_042_000,
  pctChange: 0.042,
  absChange: 42_000,
  priceChange: 0.0123,
  fundingRate: 0.0001,
  timeframe: '5 min',
  timestamp: '2025-03-01T10:05:03Z',
  ts: Date.UTC(2025, 2, 1, 10, 5, 3),
  source: 'oi_realtime_poller',
  explanation: {
    method: 'lookback-closest',
    baselineFrom: 0,
    baselineTo: 0,
    baselineSamples: 1,
    lookbackSec: 300,
    toleranceSec: 30,
    thresholdPct: 3,
    minAbsContracts: 5000,
    cooldownSec: 600,
    baselineMarkPrice: null,
    symbolCooldownSec: 900,
    alsoCrossed: [],
  },
  ...over,
});

describe('legacy console line', () => {
  it.each([
    [
      decision(),
      '🔺 OI SPIKE [5 min]: FOOUSDT UP | 5 min ago: 1000000 | Current: 1042000 | Change: 4.20% (+42000) | price +1.23%, funding 0.010%',
    ],
    [
      decision({
        direction: 'DOWN',
        current: 958_000,
        pctChange: -0.042,
        absChange: -42_000,
        priceChange: -0.005,
        fundingRate: undefined,
      }),
      '🔻 OI DUMP [5 min]: FOOUSDT DOWN | 5 min ago: 1000000 | Current: 958000 | Change: -4.20% (-42000) | price -0.50%',
    ],
    [
      decision({ priceChange: undefined, fundingRate: undefined }),
      '🔺 OI SPIKE [5 min]: FOOUSDT UP | 5 min ago: 1000000 | Current: 1042000 | Change: 4.20% (+42000)',
    ],
  ])('formats %#', (d, line) => expect(oiAlertConsoleLine(d)).toBe(line));

  it('keys an alert by symbol|direction|timeframe|ts', () => {
    expect(alertIdempotencyKey(decision())).toBe(`FOOUSDT|UP|5 min|${Date.UTC(2025, 2, 1, 10, 5, 3)}`);
  });
});

describe('AlertEngine', () => {
  it('queues the legacy body plus explanation, publishes it, and persists the state so a new engine keeps the cooldown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oi-alert-engine-'));
    const stateFile = join(dir, 'bus.json');
    const timeframes = parseOiTimeframes('10s:5%:60s:tol=2s:min=10:label=10s');
    const queued: { body: unknown; idempotencyKey?: string; route: string }[] = [];
    const outbox = {
      enqueue: async (route: string, body: unknown, opts?: { idempotencyKey?: string }) =>
        void queued.push({ route, body, ...opts }),
    };
    const t0 = Date.now();
    const buf = new OiRingBuffer(100);
    buf.push(t0, 1000, 10);
    buf.push(t0 + 10_000, 1100, 10.5);

    const bus1 = createBus({ logger, stateFile });
    const e1 = new AlertEngine({
      bus: bus1,
      outbox,
      logger,
      timeframes,
      excludedSymbols: [],
      stateKey: 'oi-poller:alert-state:all',
      symbolCooldownSec: 0,
      now: () => t0 + 10_000,
    });
    await e1.start();
    const fired = await e1.onSample({
      symbol: 'FOOUSDT',
      oi: 1100,
      markPrice: 10.5,
      ts: t0 + 10_000,
      fundingRate: null,
      history: buf,
    });
    expect(fired).toHaveLength(1);
    expect(queued[0]?.route).toBe('oiAlertIngest');
    expect(queued[0]?.idempotencyKey).toBe(`FOOUSDT|UP|10s|${t0 + 10_000}`);
    expect(queued[0]?.body).toMatchObject({
      symbol: 'FOOUSDT',
      direction: 'UP',
      baseline: 1000,
      current: 1100,
      timeframe: '10s',
      source: 'oi_realtime_poller',
      priceChange: 0.05,
    });
    expect((queued[0]?.body as Record<string, unknown>).fundingRate).toBeUndefined();
    expect((queued[0]?.body as { explanation: { thresholdPct: number } }).explanation.thresholdPct).toBe(5);
    await e1.stop();
    await bus1.close();

    // A new process: same state file. The move comes back inside, then breaches again within the cooldown.
    const bus2 = createBus({ logger, stateFile });
    const e2 = new AlertEngine({
      bus: bus2,
      outbox,
      logger,
      timeframes,
      excludedSymbols: [],
      stateKey: 'oi-poller:alert-state:all',
      symbolCooldownSec: 0,
      now: () => t0 + 40_000,
    });
    await e2.start();
    expect(e2.stateOf('FOOUSDT')?.['10s']?.UP).toEqual({ state: 'OUTSIDE', lastAlertAt: t0 + 10_000 });
    buf.push(t0 + 20_000, 1100, 10.5);
    buf.push(t0 + 30_000, 1100, 10.5);
    expect(
      await e2.onSample({
        symbol: 'FOOUSDT',
        oi: 1100,
        markPrice: 10.5,
        ts: t0 + 30_000,
        fundingRate: null,
        history: buf,
      }),
    ).toHaveLength(0);
    buf.push(t0 + 40_000, 1200, 10.5);
    expect(
      await e2.onSample({
        symbol: 'FOOUSDT',
        oi: 1200,
        markPrice: 10.5,
        ts: t0 + 40_000,
        fundingRate: null,
        history: buf,
      }),
    ).toHaveLength(0);
    expect(queued).toHaveLength(1);
    await e2.stop();
    await bus2.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('AlertEngine: per-symbol cap', () => {
  // 10 s at 5 % and 20 s at 8 %: 1050, 1000, 1100, 1100 every 10 s: the third sample crosses the 10 s timeframe
  // (+10 %) but not the 20 s one (+4.8 %); the fourth crosses the 20 s one (+10 % from the second).
  const timeframes = parseOiTimeframes('10s:5%:600s:tol=2s:min=10:label=10s,20s:8%:600s:tol=2s:min=10:label=20s');
  const engine = (bus: ReturnType<typeof createBus>, queued: unknown[], now: () => number, capSec = 900) =>
    new AlertEngine({
      bus,
      outbox: {
        enqueue: async (route: string, body: unknown, opts?: { idempotencyKey?: string }) =>
          void queued.push({ route, body, ...opts }),
      },
      logger,
      timeframes,
      excludedSymbols: [],
      stateKey: 'oi-poller:alert-state:all',
      symbolCooldownSec: capSec,
      now,
    });
  const sample = (buf: OiRingBuffer, ts: number, oi: number) => ({
    symbol: 'FOOUSDT',
    oi,
    markPrice: null,
    ts,
    fundingRate: null,
    history: (buf.push(ts, oi, null), buf),
  });

  it('holds the second timeframe back after a restart and records it on the sent alert instead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oi-alert-cap-'));
    const stateFile = join(dir, 'bus.json');
    const queued: { route: string; body: Record<string, unknown>; idempotencyKey?: string }[] = [];
    const t0 = Date.now();
    const buf = new OiRingBuffer(100);
    buf.push(t0, 1050, null); // 20 s before the first sample: +4.8 %, below 8 %
    buf.push(t0 + 10_000, 1000, null);

    const bus1 = createBus({ logger, stateFile });
    const e1 = engine(bus1, queued, () => t0 + 20_000);
    await e1.start();
    expect((await e1.onSample(sample(buf, t0 + 20_000, 1100))).map((d) => d.timeframe)).toEqual(['10s']);
    await e1.stop();
    await bus1.close();

    // A new process, 10 s later: the 20 s timeframe crosses (+10 % ≥ 8 %) inside the 15-minute cap.
    const bus2 = createBus({ logger, stateFile });
    const published: unknown[] = [];
    await bus2.subscribe(CHANNELS.oiAlerts, (m) => published.push(m));
    const e2 = engine(bus2, queued, () => t0 + 30_000);
    await e2.start();
    expect(e2.capOf('FOOUSDT')?.UP).toEqual({ timeframe: '10s', ts: t0 + 20_000, alsoCrossed: [] });
    expect(await e2.onSample(sample(buf, t0 + 30_000, 1100))).toEqual([]);
    expect(published).toEqual([]);
    expect(queued.map((q) => q.route)).toEqual(['oiAlertIngest', 'oiAlertAlsoCrossed']);
    expect(queued[1]?.body).toEqual({
      symbol: 'FOOUSDT',
      direction: 'UP',
      alert: { timeframe: '10s', timestamp: new Date(t0 + 20_000).toISOString().slice(0, 19) + 'Z' },
      crossing: { timeframe: '20s', ts: t0 + 30_000, baseline: 1000, current: 1100, pctChange: 0.1, absChange: 100 },
    });
    expect(queued[1]?.idempotencyKey).toBe(`FOOUSDT|UP|10s|${t0 + 20_000}|also|20s|${t0 + 30_000}`);
    expect(e2.stateOf('FOOUSDT')?.['20s']?.UP).toEqual({ state: 'OUTSIDE', lastAlertAt: null });
    await e2.stop();
    await bus2.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with the cap at 0 each timeframe alerts on its own, as before', async () => {
    const queued: unknown[] = [];
    const t0 = Date.now();
    const buf = new OiRingBuffer(100);
    buf.push(t0, 1050, null); // 20 s before the first sample: +4.8 %, below 8 %
    buf.push(t0 + 10_000, 1000, null);
    const bus = createBus({ logger });
    const e = engine(bus, queued, () => t0 + 30_000, 0);
    await e.start();
    expect(await e.onSample(sample(buf, t0 + 20_000, 1100))).toHaveLength(1);
    expect((await e.onSample(sample(buf, t0 + 30_000, 1100))).map((d) => d.timeframe)).toEqual(['20s']);
    expect(e.capOf('FOOUSDT')).toBeUndefined();
    await bus.close();
  });

  it('loads the state a poller without the cap saved (timeframes only)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oi-alert-cap-v1-'));
    const stateFile = join(dir, 'bus.json');
    const t0 = Date.now();
    const old = {
      FOOUSDT: { '10s': { UP: { state: 'OUTSIDE', lastAlertAt: t0 }, DOWN: { state: 'INSIDE', lastAlertAt: null } } },
    };
    const bus1 = createBus({ logger, stateFile });
    await bus1.setJson('oi-poller:alert-state:all', old);
    await bus1.close();
    const bus2 = createBus({ logger, stateFile });
    const e = engine(bus2, [], () => t0);
    await e.start();
    expect(e.stateOf('FOOUSDT')).toEqual(old.FOOUSDT);
    expect(e.capOf('FOOUSDT')).toBeUndefined();
    await bus2.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
