// Shared set-up of the oi-poller integration tests: the simulated exchange, a memory bus with a state file,
// an in-process weight budget, and the real backend (Express + Prisma on a fresh test database).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as backendApp from '@volspike/backend';
import { DEFAULT_COMPONENT_SHARES, WeightBudget } from '@volspike/binance-client';
import { startSim, type Sim } from '@volspike/binance-sim';
import { createTestDatabase } from '@volspike/db/testing';
import {
  CHANNELS,
  KEYS,
  createBus,
  createLogger,
  createMetrics,
  type Bus,
  type OiSamplesMessage,
  type UniverseMessage,
} from '@volspike/runtime';
import { loadAppEnv, start, type OiPollerHandle } from '../src/index.js';

export const INGEST_KEY = 'oi-poller-test-key';
export const logger = createLogger({ name: 'oi-poller-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface Harness {
  sim: Sim;
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  bus: Bus;
  budget: WeightBudget;
  dataDir: string;
  backend: Awaited<ReturnType<typeof backendApp.start>> | null;
  backendPort: number;
  apiUrl: string;
  /** every OI sample published on the bus, in order */
  busSamples: OiSamplesMessage[];
  startBackend(): Promise<void>;
  stopBackend(): Promise<void>;
  setUniverse(symbols: string[]): Promise<void>;
  startPoller(env: Record<string, string>): Promise<OiPollerHandle>;
  close(): Promise<void>;
}

export async function createHarness(opts: { symbols: number; seed?: number; tickMs?: number }): Promise<Harness> {
  const sim = await startSim({ port: 0, symbols: opts.symbols, seed: opts.seed ?? 7, tickMs: opts.tickMs });
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'oi-poller-test-'));
  const bus = createBus({ logger, stateFile: join(dataDir, 'bus-state.json') });
  const budget = new WeightBudget({ logger, shares: DEFAULT_COMPONENT_SHARES });
  const busSamples: OiSamplesMessage[] = [];
  await bus.subscribe(CHANNELS.oiSamples, (m) => busSamples.push(m as OiSamplesMessage));
  const pollers: OiPollerHandle[] = [];

  const h: Harness = {
    sim,
    db,
    bus,
    budget,
    dataDir,
    backend: null,
    backendPort: 0,
    apiUrl: '',
    busSamples,
    async startBackend() {
      const env = backendApp.loadAppEnv({
        PORT: String(h.backendPort),
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        ALERT_INGEST_API_KEY: INGEST_KEY,
        JWT_SECRET: 'oi-poller-test-secret-long-enough-for-hs256',
        DATA_DIR: dataDir,
        RETENTION_INTERVAL_MS: '3600000',
        SOCKET_LEGACY_TOKEN_AUTH: 'false',
      });
      h.backend = await backendApp.start(env, { logger, bus, metrics: createMetrics(), dataDir, prisma: db.prisma });
      h.backendPort = h.backend.port;
      h.apiUrl = `http://127.0.0.1:${h.backendPort}`;
    },
    async stopBackend() {
      await h.backend?.stop();
      h.backend = null;
    },
    async setUniverse(symbols) {
      const now = new Date().toISOString();
      const msg: UniverseMessage = {
        updatedAt: now,
        enterThreshold: 4_000_000,
        exitThreshold: 2_000_000,
        symbols: symbols.map((symbol) => ({
          symbol,
          quoteVolume24h: sim.market.quoteVolume24h(symbol),
          enteredAt: now,
          lastSeenAt: now,
        })),
      };
      await bus.setJson(KEYS.universe, msg);
      await bus.publish(CHANNELS.universe, msg);
    },
    async startPoller(env) {
      const app = await start(
        loadAppEnv({
          VOLSPIKE_API_URL: h.apiUrl,
          VOLSPIKE_API_KEY: INGEST_KEY,
          BINANCE_REST_URL: sim.url,
          BINANCE_WS_URL: sim.wsUrl,
          OI_OUTBOX_MAX_DELAY_MS: '1000',
          ...env,
        }),
        { logger, bus, budget, dataDir, metrics: createMetrics() },
      );
      pollers.push(app);
      return app;
    },
    async close() {
      for (const p of pollers) await p.stop().catch(() => undefined);
      await h.stopBackend();
      await budget.stop();
      await bus.close();
      await db.drop();
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await h.startBackend();
  return h;
}

export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs: number,
  everyMs = 100,
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
