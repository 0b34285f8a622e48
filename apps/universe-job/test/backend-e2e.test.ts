// End to end: simulated exchange → binance-proxy → universe-job → real backend (Express + Prisma on a fresh
// test database) → GET /api/market/open-interest/liquid-universe with the estimated poll interval.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as backendApp from '@volspike/backend';
import { WeightBudget } from '@volspike/binance-client';
import * as proxyApp from '@volspike/binance-proxy';
import { startSim } from '@volspike/binance-sim';
import type { Sim } from '@volspike/binance-sim';
import { createTestDatabase } from '@volspike/db/testing';
import { estimatedPollIntervalSec } from '@volspike/oi-core';
import { createBus, createLogger, createMetrics } from '@volspike/runtime';
import type { Bus } from '@volspike/runtime';
import { loadAppEnv, start } from '../src/index.js';

const INGEST_KEY = 'e2e-ingest-key';
const logger = createLogger({ name: 'universe-e2e', level: 'silent' });

interface LiquidUniverse {
  updatedAt: string;
  enterThreshold: number;
  exitThreshold: number;
  symbols: {
    symbol: string;
    quoteVolume24h: number;
    enteredAt: string;
    lastSeenAt: string;
    estimatedPollIntervalSec: number;
  }[];
  totalSymbols: number;
}

let sim: Sim;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let bus: Bus;
let budget: WeightBudget;
let dataDir: string;
let backend: Awaited<ReturnType<typeof backendApp.start>>;
let proxy: Awaited<ReturnType<typeof proxyApp.start>>;

beforeAll(async () => {
  sim = await startSim({ port: 0, symbols: 60, seed: 5 });
  db = await createTestDatabase();
  bus = createBus({ logger });
  budget = new WeightBudget({ logger });
  dataDir = mkdtempSync(join(tmpdir(), 'universe-e2e-'));
  const backendEnv = backendApp.loadAppEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'test',
    ALERT_INGEST_API_KEY: INGEST_KEY,
    JWT_SECRET: 'e2e-secret-that-is-long-enough-for-hs256-signing',
    DATA_DIR: dataDir,
  });
  backend = await backendApp.start(backendEnv, { logger, bus, metrics: createMetrics(), dataDir, prisma: db.prisma });
  proxy = await proxyApp.start(
    proxyApp.loadAppEnv({ BINANCE_REST_URL: sim.url, BINANCE_PROXY_PORT: '0', BINANCE_PROXY_HOST: '127.0.0.1' }),
    { logger, bus, budget, dataDir, metrics: createMetrics() },
  );
});

afterAll(async () => {
  await proxy?.stop();
  await backend?.stop();
  await budget?.stop();
  await bus?.close();
  await db?.drop();
  await sim?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('universe-job with the real backend', () => {
  it('stores the universe in the backend, whose liquid-universe GET shows it with the estimated poll interval', async () => {
    const job = await start(
      loadAppEnv({
        VOLSPIKE_API_URL: `http://127.0.0.1:${backend.port}`,
        VOLSPIKE_API_KEY: INGEST_KEY,
        BINANCE_PROXY_URL: proxy.url,
        BINANCE_REST_URL: sim.url,
        OI_UNIVERSE_REFRESH_SEC: '300',
        UNIVERSE_USE_TICKER_WS: 'false',
      }),
      { logger, bus, budget, dataDir, metrics: createMetrics() },
    );
    try {
      await job.refreshNow();
      const universe = job.universe()!;
      expect(universe.symbols.length).toBeGreaterThan(0);
      const deadline = Date.now() + 15_000;
      let body: LiquidUniverse | null = null;
      while (Date.now() < deadline) {
        const res = await fetch(`http://127.0.0.1:${backend.port}/api/market/open-interest/liquid-universe`);
        body = (await res.json()) as LiquidUniverse;
        if (body.totalSymbols === universe.symbols.length) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(body?.totalSymbols).toBe(universe.symbols.length);
      const n = universe.symbols.length;
      expect(body!.symbols.map((s) => s.symbol).sort()).toEqual(universe.symbols.map((s) => s.symbol).sort());
      expect(new Set(body!.symbols.map((s) => s.estimatedPollIntervalSec))).toEqual(
        new Set([estimatedPollIntervalSec(n, 2000)]),
      );
      const entered = new Map(universe.symbols.map((s) => [s.symbol, s.enteredAt]));
      for (const s of body!.symbols) expect(s.enteredAt).toBe(entered.get(s.symbol));
      expect(job.outbox.stats().deadLettered).toBe(0);
    } finally {
      await job.stop();
    }
  });
});
