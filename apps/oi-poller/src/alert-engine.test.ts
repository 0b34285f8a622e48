import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OiRingBuffer, parseOiTimeframes, type OiAlertDecision } from '@volspike/oi-core';
import { createBus, createLogger } from '@volspike/runtime';
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
    const queued: { body: unknown; idempotencyKey?: string; url: string }[] = [];
    const outbox = { enqueue: async (m: (typeof queued)[number]) => (queued.push(m), 'id') };
    const t0 = Date.now();
    const buf = new OiRingBuffer(100);
    buf.push(t0, 1000, 10);
    buf.push(t0 + 10_000, 1100, 10.5);

    const bus1 = createBus({ logger, stateFile });
    const e1 = new AlertEngine({
      bus: bus1,
      outbox,
      logger,
      apiUrl: 'http://api',
      apiKey: 'k',
      timeframes,
      excludedSymbols: [],
      stateKey: 'oi-poller:alert-state:all',
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
    expect(queued[0]?.url).toBe('http://api/api/open-interest-alerts/ingest');
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
      apiUrl: 'http://api',
      apiKey: 'k',
      timeframes,
      excludedSymbols: [],
      stateKey: 'oi-poller:alert-state:all',
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
