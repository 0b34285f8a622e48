// Postgres restarted under a running pipeline (sim → oi-poller → backend → a Postgres of this test's own):
// while it is down /health says the database fails and nothing crashes; when it is back — with nothing
// restarted — every sample batch published meanwhile and the alert raised meanwhile are stored exactly once
// (rows counted against what the poller published on the bus) and /health is 200 again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as backendApp from '@volspike/backend';
import { DEFAULT_COMPONENT_SHARES, WeightBudget } from '@volspike/binance-client';
import { startSim, type Sim } from '@volspike/binance-sim';
import { createPrismaClient, migrate, type PrismaClient } from '@volspike/db';
import * as oiPoller from '@volspike/oi-poller';
import {
  CHANNELS,
  KEYS,
  createBus,
  createLogger,
  createMetrics,
  type Bus,
  type OiSamplesMessage,
} from '@volspike/runtime';
import { skipWhenMissing, universeOf, waitFor } from '../helpers.js';
import { postgresUnavailable, startDedicatedPostgres, type DedicatedPostgres } from './services.js';
import { faultPollerEnv } from './poller-env.js';
import { FaultSummary } from './summary.js';

const KEY = 'faults-pg-key';
const OI_PATH = '/fapi/v1/openInterest';
const POLLER_ENV = faultPollerEnv();
const logger = createLogger({ name: 'faults-pg', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const summary = new FaultSummary('Postgres restarted under sim → oi-poller → backend');
const unavailable = postgresUnavailable();

let pg: DedicatedPostgres | null = null;
let sim: Sim;
let prisma: PrismaClient | null = null;
let bus: Bus;
let budget: WeightBudget;
let dataDir: string;
let backend: Awaited<ReturnType<typeof backendApp.start>> | null = null;
let poller: Awaited<ReturnType<typeof oiPoller.start>> | null = null;
let symbols: string[];
const published: OiSamplesMessage[] = [];
const alertsRaised: { symbol: string }[] = [];

const publishedCount = (): number => published.reduce((n, m) => n + m.samples.length, 0);
const storedRealtime = (): Promise<number> => prisma!.openInterestSnapshot.count({ where: { source: 'realtime' } });
async function health(): Promise<{
  status: number;
  body: { status: string; checks: Record<string, { ok: boolean }> };
}> {
  const res = await fetch(`http://127.0.0.1:${backend!.port}/health`);
  return { status: res.status, body: (await res.json()) as never };
}

describe.skipIf(skipWhenMissing('faults: Postgres restart scenario', unavailable))(
  'Postgres restarted under the running pipeline',
  () => {
    beforeAll(async () => {
      pg = await startDedicatedPostgres();
      await migrate(pg.url);
      prisma = createPrismaClient(pg.url, { maxConnections: 2 });
      sim = await startSim({ port: 0, symbols: 30, seed: 17 });
      dataDir = mkdtempSync(join(tmpdir(), 'faults-pg-'));
      bus = createBus({ logger, stateFile: join(dataDir, 'bus-state.json') });
      budget = new WeightBudget({ logger, shares: DEFAULT_COMPONENT_SHARES });
      await bus.subscribe(CHANNELS.oiSamples, (m) => published.push(m as OiSamplesMessage));
      await bus.subscribe(CHANNELS.oiAlerts, (m) => alertsRaised.push(m as { symbol: string }));
      // The backend builds its own Prisma client from DATABASE_URL, as in production (pool + error handler).
      backend = await backendApp.start(
        backendApp.loadAppEnv({
          PORT: '0',
          HOST: '127.0.0.1',
          NODE_ENV: 'test',
          DATABASE_URL: pg.url,
          ALERT_INGEST_API_KEY: KEY,
          JWT_SECRET: 'faults-pg-secret-long-enough-for-hs256',
          DATA_DIR: dataDir,
          RETENTION_INTERVAL_MS: '3600000',
        }),
        { logger, bus, metrics: createMetrics(), dataDir },
      );
      symbols = sim.market.liquid(0).slice(0, 8);
      const universe = universeOf(sim, symbols);
      await bus.setJson(KEYS.universe, universe);
      poller = await oiPoller.start(
        oiPoller.loadAppEnv({
          VOLSPIKE_API_URL: `http://127.0.0.1:${backend.port}`,
          VOLSPIKE_API_KEY: KEY,
          BINANCE_REST_URL: sim.url,
          DATA_DIR: dataDir,
          ...POLLER_ENV,
        }),
        { logger, bus, budget, dataDir, metrics: createMetrics() },
      );
      await waitFor(
        'samples of every symbol stored',
        async () => (await prisma!.openInterestLatest.count()) === symbols.length,
        30_000,
      );
    }, 120_000);

    afterAll(async () => {
      summary.print();
      await poller?.stop().catch(() => undefined);
      await backend?.stop().catch(() => undefined);
      await budget?.stop();
      await bus?.close();
      await prisma?.$disconnect().catch(() => undefined);
      await sim?.close();
      await pg?.destroy();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('Postgres down then back on the same port: /health 503 meanwhile, nothing crashes, every batch and the alert stored once, 200 again', async () => {
      await summary.run('Postgres stopped (fast) and started again', async () => {
        const moved = symbols[1]!;
        await waitFor('a healthy /health before the fault', async () => (await health()).status === 200, 30_000);

        await pg!.stop();
        const stoppedAt = Date.now();
        const sim0 = sim.stats();
        const res = await fetch(`${sim.url}/__sim/oi`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ symbol: moved, changePct: 8, rampSec: 4 }),
        });
        expect(res.status).toBe(200);

        // What an operator sees meanwhile: the backend answers, and says the database fails.
        const down = await waitFor(
          '/health to report the database failing',
          async () => {
            const h = await health();
            return h.status === 503 && h.body.checks.database?.ok === false ? h : null;
          },
          20_000,
        );
        expect(down.body.status).toBe('degraded');
        // The poller raises the alert from its own samples (Postgres is not in its path) and keeps polling.
        await waitFor('the alert raised while Postgres is down', async () => alertsRaised.length === 1, 20_000);
        // Down for several poll cycles: every symbol polled at least 5 more times since the stop.
        await waitFor(
          'five poll cycles with Postgres down',
          async () => {
            const log = sim.requestLog(OI_PATH);
            return symbols.every((s) => (log[s] ?? []).filter((t) => t > stoppedAt).length >= 5);
          },
          30_000,
        );
        await waitFor(
          "the poller's /health to report the backlog",
          async () => {
            const h = await poller!.health();
            return h.body.status === 'degraded' &&
              (h.body.reasons as string[]).some((r) => r.startsWith('backend not accepting ingest'))
              ? h
              : null;
          },
          20_000,
        );
        expect(poller!.status().outboxDepth).toBeGreaterThan(0);
        expect((await health()).status).toBe(503);

        await pg!.start();
        // Nothing is restarted: the backend's pool reconnects by itself.
        await waitFor('/health 200 again', async () => (await health()).status === 200, 60_000, 500);
        await waitFor('the outbox to drain', async () => poller!.status().outboxDepth === 0, 60_000);
        const p = poller!;
        poller = null;
        await p.stop(); // flushes what was still pending
        expect(p.status().outboxDepth).toBe(0);

        const stored = await storedRealtime();
        const sent = publishedCount();
        // stored > sent would be a batch stored twice, stored < sent a batch lost
        expect(stored).toBe(sent);
        expect(await prisma!.openInterestAlert.count({ where: { symbol: moved } })).toBe(1);
        expect(await prisma!.openInterestAlert.count()).toBe(1);
        expect(sim.stats().banned418).toBe(sim0.banned418);
        return { dataLost: Math.max(0, sent - stored), note: `${sent} samples published, ${stored} stored` };
      });
    }, 240_000);
  },
);
