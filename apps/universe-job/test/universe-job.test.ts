import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WeightBudget } from '@volspike/binance-client';
import * as proxyApp from '@volspike/binance-proxy';
import { startSim } from '@volspike/binance-sim';
import type { Sim } from '@volspike/binance-sim';
import { CHANNELS, KEYS, createBus, createLogger, createMetrics } from '@volspike/runtime';
import type { Bus, UniverseMessage } from '@volspike/runtime';
import { loadAppEnv, start } from '../src/index.js';
import type { UniverseJobHandle } from '../src/index.js';
import { startFakeBackend } from './fake-backend.js';
import type { FakeBackend } from './fake-backend.js';

const ENTER = 4_000_000;
const EXIT = 2_000_000;
const logger = createLogger({ name: 'universe-job-test', level: 'silent' });

let sim: Sim;
let budget: WeightBudget;
let proxy: Awaited<ReturnType<typeof proxyApp.start>>;
let backend: FakeBackend;
let bus: Bus;
let dataDir: string;
const jobs: UniverseJobHandle[] = [];

async function simPost(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.text();
  expect(res.status, `${path} ${JSON.stringify(body)}`).toBeLessThan(300);
}

async function until<T>(
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startJob(
  over: Record<string, string> = {},
  deps: { bus?: Bus; dataDir?: string } = {},
): Promise<UniverseJobHandle> {
  const env = loadAppEnv({
    VOLSPIKE_API_URL: backend.url,
    VOLSPIKE_API_KEY: 'test-ingest-key',
    BINANCE_PROXY_URL: proxy.url,
    BINANCE_REST_URL: sim.url,
    BINANCE_WS_URL: sim.wsUrl,
    OI_UNIVERSE_REFRESH_SEC: '300',
    UNIVERSE_USE_TICKER_WS: 'false',
    UNIVERSE_HEARTBEAT_SEC: '0.2',
    ...over,
  });
  const job = await start(env, {
    logger,
    bus: deps.bus ?? bus,
    budget,
    dataDir: deps.dataDir ?? dataDir,
    metrics: createMetrics(),
  });
  jobs.push(job);
  return job;
}

const symbolsOf = (u: UniverseMessage | null): string[] => (u?.symbols ?? []).map((s) => s.symbol).sort();

/** The sim's tradable USDT perpetuals with 24h quote volume ≥ threshold (symbols within 1 % of it are ambiguous: the market drifts). */
function expectedLiquid(threshold: number): { must: string[]; ambiguous: Set<string> } {
  const ambiguous = new Set<string>();
  const must: string[] = [];
  for (const s of sim.market.symbols()) {
    if (!s.usdtPerpetual) continue;
    const v = sim.market.quoteVolume24h(s.symbol);
    if (Math.abs(v - threshold) <= threshold * 0.01) ambiguous.add(s.symbol);
    else if (v >= threshold) must.push(s.symbol);
  }
  return { must: must.sort(), ambiguous };
}

beforeAll(async () => {
  sim = await startSim({ port: 0, symbols: 80, seed: 11 });
  budget = new WeightBudget({ logger });
  proxy = await proxyApp.start(
    proxyApp.loadAppEnv({
      BINANCE_REST_URL: sim.url,
      BINANCE_PROXY_PORT: '0',
      BINANCE_PROXY_HOST: '127.0.0.1',
      EXCHANGE_INFO_REFRESH_MS: '300',
    }),
    { logger, bus: createBus({ logger }), budget, dataDir: tmpdir(), metrics: createMetrics() },
  );
});

beforeEach(async () => {
  backend = await startFakeBackend();
  bus = createBus({ logger });
  dataDir = mkdtempSync(join(tmpdir(), 'universe-job-'));
});

afterEach(async () => {
  while (jobs.length) await jobs.pop()?.stop();
  await bus.close();
  await backend.close();
  rmSync(dataDir, { recursive: true, force: true });
  sim.reset();
});

afterAll(async () => {
  await proxy.stop();
  await budget.stop();
  await sim.close();
});

describe('universe-job against the simulated exchange', () => {
  it('publishes the tradable perpetuals at or above the enter threshold, and nothing that must be filtered out', async () => {
    const published: UniverseMessage[] = [];
    await bus.subscribe(CHANNELS.universe, (m) => published.push(m as UniverseMessage));
    const job = await startJob();
    await job.refreshNow();
    const universe = job.universe();
    const { must, ambiguous } = expectedLiquid(ENTER);
    expect(must.length).toBeGreaterThan(5);
    expect(symbolsOf(universe).filter((s) => !ambiguous.has(s))).toEqual(must);
    const filteredOut = new Set(
      sim.market
        .symbols()
        .filter((s) => !s.usdtPerpetual)
        .map((s) => s.symbol),
    );
    expect(symbolsOf(universe).some((s) => filteredOut.has(s))).toBe(false);
    expect(universe).toMatchObject({ enterThreshold: ENTER, exitThreshold: EXIT });
    // Published on the channel and stored under the key the OI poller reads at start.
    expect(published.length).toBeGreaterThan(0);
    expect(symbolsOf(await bus.getJson<UniverseMessage>(KEYS.universe))).toEqual(symbolsOf(universe));
    expect(job.status()).toMatchObject({ status: 'ok', source: 'rest', symbolsVia: 'proxy' });
  });

  it('on the next refresh drops a member pushed below exit, keeps one between exit and enter, adds one above enter', async () => {
    const job = await startJob({ OI_UNIVERSE_REFRESH_SEC: '0.2' });
    const first = await until(() => job.universe());
    const nonMembers = sim.market
      .symbols()
      .filter((s) => s.usdtPerpetual && !first.symbols.some((m) => m.symbol === s.symbol));
    const [leaving, staying] = first.symbols.slice(-2);
    const [hovering, joining] = nonMembers;
    expect(leaving && staying && hovering && joining).toBeTruthy();
    const stayingEnteredAt = first.symbols.find((m) => m.symbol === staying!.symbol)!.enteredAt;

    // `leaving` last: the first refresh without it has read every other change too.
    await simPost('/__sim/quote-volume', { symbol: staying!.symbol, quoteVolume24h: (EXIT + ENTER) / 2 });
    await simPost('/__sim/quote-volume', { symbol: hovering!.symbol, quoteVolume24h: (EXIT + ENTER) / 2 });
    await simPost('/__sim/quote-volume', { symbol: joining!.symbol, quoteVolume24h: ENTER * 3 });
    await simPost('/__sim/quote-volume', { symbol: leaving!.symbol, quoteVolume24h: EXIT / 2 });

    const next = await until(() => {
      const u = job.universe();
      return u && !u.symbols.some((m) => m.symbol === leaving!.symbol) ? u : null;
    });
    const members = new Map(next.symbols.map((m) => [m.symbol, m]));
    expect(members.has(staying!.symbol)).toBe(true);
    expect(members.get(staying!.symbol)!.enteredAt).toBe(stayingEnteredAt);
    expect(members.has(hovering!.symbol)).toBe(false);
    expect(members.has(joining!.symbol)).toBe(true);
  });

  it('switches to the !ticker@arr stream once it is warmed up and follows volume changes through it', async () => {
    const job = await startJob({
      UNIVERSE_USE_TICKER_WS: 'true',
      UNIVERSE_WS_WARMUP_SEC: '0.3',
      OI_UNIVERSE_REFRESH_SEC: '0.2',
    });
    await until(() => job.status().source === 'ws', 15_000);
    const { must, ambiguous } = expectedLiquid(ENTER);
    expect(symbolsOf(job.universe()).filter((s) => !ambiguous.has(s))).toEqual(must);
    const leaving = job.universe()!.symbols.at(-1)!;
    await simPost('/__sim/quote-volume', { symbol: leaving.symbol, quoteVolume24h: EXIT / 4 });
    await until(() => !job.universe()!.symbols.some((m) => m.symbol === leaving.symbol), 15_000);
    expect(job.status().source).toBe('ws');
  });

  it('keeps the last universe while exchangeInfo fails (the proxy serves its cached copy; without the proxy it degrades)', async () => {
    const job = await startJob();
    await job.refreshNow();
    const before = job.universe()!;
    await simPost('/__sim/faults', { path: '/fapi/v1/exchangeInfo', status: 500, count: 100_000 });

    // Through the proxy: its cached copy keeps the job going.
    expect(await job.refreshNow()).toBe(true);
    expect(job.status().symbolsVia).toBe('proxy');
    const cached = await fetch(`${proxy.url}/api/binance/futures/info`);
    expect(cached.status).toBe(200);
    await cached.text();

    // Without a proxy, exchangeInfo fails outright: the last universe stays, nothing empty is published.
    const direct = await startJob(
      { BINANCE_PROXY_URL: 'http://127.0.0.1:9' },
      { bus, dataDir: join(dataDir, 'direct') },
    );
    const published: UniverseMessage[] = [];
    await bus.subscribe(CHANNELS.universe, (m) => published.push(m as UniverseMessage));
    expect(await direct.refreshNow()).toBe(false);
    expect(symbolsOf(direct.universe())).toEqual(symbolsOf(before));
    expect(published).toEqual([]);
    expect(direct.status().status).toBe('degraded');
    expect((await direct.health()).ok).toBe(false);
    expect(symbolsOf(await bus.getJson<UniverseMessage>(KEYS.universe))).toEqual(symbolsOf(before));

    sim.reset();
    expect(await direct.refreshNow()).toBe(true);
    expect(direct.status()).toMatchObject({ status: 'ok', symbolsVia: 'binance' });
  });

  it('keeps the last universe while 24h tickers fail', async () => {
    const job = await startJob();
    await job.refreshNow();
    const before = symbolsOf(job.universe());
    await simPost('/__sim/faults', { path: '/fapi/v1/ticker/24hr', status: 503, count: 100_000 });
    expect(await job.refreshNow()).toBe(false);
    expect(symbolsOf(job.universe())).toEqual(before);
    expect(job.status().outage?.reason).toMatch(/inputs/);
  });

  it('sends the full member list to the backend through the outbox, retrying a 503 with the same idempotency key', async () => {
    backend.failNext('/api/market/open-interest/liquid-universe/update', 503);
    const job = await startJob();
    await job.refreshNow();
    const universe = job.universe()!;
    const updates = await until(() => {
      const u = backend.updates();
      return u.length >= 2 ? u : null;
    }).catch((err: unknown) => {
      throw new Error(
        `status=${JSON.stringify(job.status())} outbox=${JSON.stringify(job.outbox.stats())} requests=${JSON.stringify(backend.requests.map((r) => r.path))}`,
        { cause: err },
      );
    });
    const last = updates.at(-1)!;
    expect(last.headers['x-api-key']).toBe('test-ingest-key');
    expect(updates[0]!.headers['idempotency-key']).toBe(updates[1]!.headers['idempotency-key']);
    await until(() => job.outbox.depth() === 0).catch((err: unknown) => {
      throw new Error(
        `outbox not drained: ${JSON.stringify(job.outbox.stats())} requests=${JSON.stringify(backend.requests.map((r) => r.path))}`,
        { cause: err },
      );
    });
    const delivered = backend
      .updates()
      .find((r) => (r.body as { updatedAt: string }).updatedAt === universe.updatedAt)!;
    const body = delivered.body as {
      symbols: { symbol: string; enteredAt: string | null; quoteVolume24h: number }[];
      updatedAt: string;
    };
    expect(body.symbols.map((s) => s.symbol).sort()).toEqual(symbolsOf(universe));
    expect(body.symbols.every((s) => typeof s.enteredAt === 'string' && !Number.isNaN(Date.parse(s.enteredAt)))).toBe(
      true,
    );
  });

  it('keeps enteredAt and hysteresis across a restart (state file, with an empty bus and no backend copy)', async () => {
    const job = await startJob();
    await job.refreshNow();
    const first = job.universe()!;
    const hovering = first.symbols.at(-1)!;
    await job.stop();
    await simPost('/__sim/quote-volume', { symbol: hovering.symbol, quoteVolume24h: (EXIT + ENTER) / 2 });

    const freshBus = createBus({ logger });
    try {
      const restarted = await startJob({}, { bus: freshBus });
      await restarted.refreshNow();
      const again = new Map(restarted.universe()!.symbols.map((m) => [m.symbol, m]));
      expect(again.has(hovering.symbol)).toBe(true);
      for (const m of first.symbols) if (again.has(m.symbol)) expect(again.get(m.symbol)!.enteredAt).toBe(m.enteredAt);
      expect(restarted.status().priorLoadedFrom).toBe('file');
      await restarted.stop();
    } finally {
      await freshBus.close();
    }
  });

  it('continues from the backend copy when the bus is empty, keeping enteredAt and members between the thresholds', async () => {
    const perps = sim.market.symbols().filter((s) => s.usdtPerpetual);
    const between = perps.find((s) => sim.market.quoteVolume24h(s.symbol) < ENTER * 0.9)!;
    await simPost('/__sim/quote-volume', { symbol: between.symbol, quoteVolume24h: (EXIT + ENTER) / 2 });
    const enteredAt = '2025-03-01T10:05:01.000Z';
    backend.state.universe = {
      updatedAt: '2025-03-01T10:10:00.000Z',
      enterThreshold: ENTER,
      exitThreshold: EXIT,
      symbols: [
        {
          symbol: between.symbol,
          quoteVolume24h: 3e6,
          enteredAt,
          lastSeenAt: '2025-03-01T10:10:00.000Z',
          estimatedPollIntervalSec: 5,
        },
      ],
      totalSymbols: 1,
    };
    const job = await startJob();
    await job.refreshNow();
    const member = job.universe()!.symbols.find((m) => m.symbol === between.symbol);
    expect(member?.enteredAt).toBe(enteredAt);
    expect(job.status().priorLoadedFrom).toBe('backend');
  });

  it('says so when no stored universe can be read, and starts from an empty one', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        cb();
      },
    });
    const env = loadAppEnv({
      VOLSPIKE_API_URL: 'http://127.0.0.1:9',
      BINANCE_PROXY_URL: proxy.url,
      BINANCE_REST_URL: sim.url,
      OI_UNIVERSE_REFRESH_SEC: '300',
      UNIVERSE_USE_TICKER_WS: 'false',
    });
    const job = await start(env, {
      logger: createLogger({ name: 'uj', level: 'info', destination: sink }),
      bus,
      budget,
      dataDir,
      metrics: createMetrics(),
    });
    jobs.push(job);
    await job.refreshNow();
    expect(job.status().priorLoadedFrom).toBeNull();
    const warned = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string; unreadable?: { source: string }[] })
      .find((l) => /could not read any stored universe/.test(l.msg));
    expect(warned?.level).toBe(40);
    expect(warned?.unreadable?.map((u) => u.source)).toContain('backend');
  });

  it('publishes through a Redis bus to other processes', async () => {
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const keyPrefix = `test:universe-job:${process.pid}:${Date.now()}:`;
    const pub = createBus({ redisUrl, keyPrefix, logger });
    const sub = createBus({ redisUrl, keyPrefix, logger });
    try {
      const received: UniverseMessage[] = [];
      const unsubscribe = await sub.subscribe(CHANNELS.universe, (m) => received.push(m as UniverseMessage));
      const job = await startJob({}, { bus: pub });
      await job.refreshNow();
      await until(() => received.length > 0);
      expect(symbolsOf(received.at(-1)!)).toEqual(symbolsOf(job.universe()));
      expect(symbolsOf(await sub.getJson<UniverseMessage>(KEYS.universe))).toEqual(symbolsOf(job.universe()));
      await job.stop();
      await unsubscribe();
    } finally {
      await pub.close();
      await sub.close();
    }
  });

  it('sends heartbeats with the universe size and volume source', async () => {
    const job = await startJob();
    await job.refreshNow();
    const size = job.universe()!.symbols.length;
    const hb = await until(() =>
      backend.requests.find(
        (r) =>
          r.path === '/api/heartbeats' &&
          (r.body as { details?: { universeSize?: number } }).details?.universeSize === size,
      ),
    );
    expect(hb.body).toMatchObject({
      component: 'universe-job',
      status: 'ok',
      details: { universeSize: size, source: 'rest' },
    });
    expect(hb.headers['x-api-key']).toBe('test-ingest-key');
    // A clean shutdown tells the backend to stop expecting heartbeats.
    await job.stop();
    const last = backend.requests.filter((r) => r.path === '/api/heartbeats').at(-1);
    expect(last?.body).toMatchObject({ component: 'universe-job', status: 'stopped' });
  });
});
