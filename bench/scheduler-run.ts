// One scheduler run: a fresh simulated exchange (same seed), a fresh stack with OI_SCHEDULER=<mode>, a
// warm-up, then the measured window with the planned moves injected at their times. Returns the OI freshness,
// the REST counters and the alert latencies; leaves the stack running when asked (for the later phases).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { capFor, DEFAULT_COMPONENT_SHARES, type BudgetSnapshot } from '@volspike/binance-client';
import { startSim, type Sim } from '@volspike/binance-sim';
import { createPrismaClient, type PrismaClient } from '@volspike/db';
import { parseOiTimeframes } from '../packages/oi-core/src/index.js';
import type { Logger } from '@volspike/runtime';
import { createUser } from './users.js';
import { dropDatabase, freshDatabase } from './database.js';
import { CONFIG, OI_PATH, log, type SchedulerMode } from './config.js';
import {
  connectSocket,
  freePort,
  getJson,
  metricSamples,
  postJson,
  round,
  scrapeMetrics,
  sleep,
  waitUntil,
} from './lib.js';
import { watchPeakMemory, type PeakMemory } from './memory.js';
import type { PlannedMove } from './moves.js';
import { alertLatencies, type AlertReceipt, type Injected } from './alert-latency.js';
import { oiFreshness } from './oi-metrics.js';
import { OiPathRecorder } from './oi-path.js';
import { startBenchStack, type BenchStack } from './stack.js';

export interface SchedulerRun {
  mode: SchedulerMode;
  sim: Sim;
  stack: BenchStack;
  prisma: PrismaClient;
  results: Record<string, unknown>;
  /** highest VmHWM seen so far, sampled every second (the stack keeps running when kept) */
  memory(): PeakMemory;
  stop(): Promise<void>;
}

/** Thresholds that make exactly `n` of the sim's USDT perpetuals liquid, and the universe they rank. */
function universeOf(sim: Sim, n: number): { ranked: string[]; enter: number; exit: number } {
  const all = sim.market.liquid(0);
  const k = Math.min(n, all.length);
  const qv = (i: number): number => sim.market.quoteVolume24h(all[i]!);
  const enter = k < all.length ? (qv(k - 1) + qv(k)) / 2 : qv(k - 1) * 0.99;
  return { ranked: all.slice(0, k), enter, exit: enter * 0.5 };
}

/** The ranked universe the plan is drawn from (the sim of `seed`, before any stack runs). */
export async function rankedUniverse(): Promise<string[]> {
  const sim = await startSim({ port: 0, symbols: CONFIG.simSymbols, weightLimitPerMin: 2400, seed: CONFIG.seed });
  try {
    return universeOf(sim, CONFIG.symbols).ranked;
  } finally {
    await sim.close();
  }
}

async function stackEnv(
  mode: SchedulerMode,
  sim: Sim,
  dataDir: string,
  databaseUrl: string | undefined,
): Promise<Record<string, string | undefined>> {
  const u = universeOf(sim, CONFIG.symbols);
  return {
    DATA_DIR: dataDir,
    LOG_LEVEL: CONFIG.logLevel,
    DATABASE_URL: databaseUrl,
    REDIS_URL: CONFIG.redisUrl,
    PORT: String(await freePort()),
    BINANCE_PROXY_PORT: String(await freePort()),
    FUNDING_API_PORT: String(await freePort()),
    SIM_PORT: String(await freePort()),
    BINANCE_REST_URL: sim.url,
    BINANCE_WS_URL: sim.wsUrl,
    ALERT_INGEST_API_KEY: randomBytes(16).toString('hex'),
    JWT_SECRET: randomBytes(24).toString('hex'),
    OI_LIQUID_ENTER_QUOTE_24H: String(Math.round(u.enter)),
    OI_LIQUID_EXIT_QUOTE_24H: String(Math.round(u.exit)),
    OI_SCHEDULER: mode,
    OI_MAX_STALENESS_MS: String(CONFIG.maxStalenessMs),
    OI_ALERT_TIMEFRAMES: CONFIG.timeframes,
    DEBUG_ACCESS: 'public',
    // the 1000 fan-out clients all come from 127.0.0.1: one machine standing in for 1000
    RATE_LIMIT_HANDSHAKES_PER_MIN: '0',
    // The 5-minute OI snapshot (volume-alerts) reads /fapi/v1/openInterest too, at :00/:05 …, from its own
    // share: its reads would be counted as the poller's weight and polls (a window over a boundary read
    // 1.066 for the poller's 0.99). Off here; the poller's figures are the bench's subject.
    OI_SNAPSHOT_ENABLED: 'false',
  };
}

/** An elite user's socket that records every OI alert it receives. */
async function alertListener(
  stack: BenchStack,
  prisma: PrismaClient,
): Promise<{ socket: Socket; receipts: AlertReceipt[] }> {
  const token = await createUser(prisma, stack.jwtSecret, 'bench-elite@example.com', 'elite');
  const socket = await connectSocket(stack.apiUrl, token);
  const receipts: AlertReceipt[] = [];
  socket.on('open-interest-alert', (a: Omit<AlertReceipt, 'at'>) =>
    receipts.push({
      symbol: a.symbol,
      direction: a.direction,
      timeframe: a.timeframe,
      ts: a.ts,
      createdAt: a.createdAt,
      at: Date.now(),
    }),
  );
  return { socket, receipts };
}

export async function runScheduler(
  mode: SchedulerMode,
  moves: readonly PlannedMove[],
  logger: Logger,
  keep: boolean,
): Promise<SchedulerRun> {
  const dataDir = mkdtempSync(join(tmpdir(), `volspike-bench-${mode}-`));
  const sim = await startSim({ port: 0, symbols: CONFIG.simSymbols, weightLimitPerMin: 2400, seed: CONFIG.seed });
  const path = new OiPathRecorder(sim.market);
  const databaseUrl = CONFIG.databaseUrl ? await freshDatabase(CONFIG.databaseUrl, mode) : undefined;
  const stack = await startBenchStack(await stackEnv(mode, sim, dataDir, databaseUrl), logger);
  const prisma = createPrismaClient(stack.databaseUrl);
  const listener = await alertListener(stack, prisma);
  log(`${mode}: stack up (pid ${stack.pid}); warming up`);
  const watch = watchPeakMemory(stack.pid);
  const memory = () => watch.peak();
  const stop = async () => {
    watch.stop();
    listener.socket.close();
    await Promise.race([prisma.$disconnect(), sleep(5000)]);
    await stack.stop();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (databaseUrl)
      await dropDatabase(databaseUrl).catch((err: unknown) => log(`could not drop ${databaseUrl}: ${String(err)}`));
  };
  let results: Record<string, unknown>;
  try {
    results = await measure({ mode, sim, stack, path, moves, receipts: listener.receipts });
  } catch (err) {
    await stop();
    throw err;
  }
  memory();
  if (!keep) await stop();
  return { mode, sim, stack, prisma, results, memory, stop };
}

interface MeasureInput {
  mode: SchedulerMode;
  sim: Sim;
  stack: BenchStack;
  path: OiPathRecorder;
  moves: readonly PlannedMove[];
  receipts: AlertReceipt[];
}

/** Warm-up, the window with its injections, then the figures of this run. */
async function measure(m: MeasureInput): Promise<Record<string, unknown>> {
  const n = CONFIG.symbols;
  const warmStart = Date.now();
  const warm = await waitUntil(() => {
    const polled = Object.values(m.sim.requestLog(OI_PATH)).filter((t) => t.length >= 2).length;
    return polled >= Math.floor(n * 0.95) ? polled : null;
  }, 180_000);
  log(`${m.mode}: ${warm ? `warm after ${Math.round((Date.now() - warmStart) / 1000)} s` : 'NOT warm after 180 s'}`);
  const warmUpSec = warm ? round((Date.now() - warmStart) / 1000, 1) : null;
  if (CONFIG.loadOnly) return { warmUpSec };
  const load0 = loadavg();
  const stats0 = m.sim.stats();
  const lost0 = metricSamples(await scrapeMetrics(m.stack.apiUrl), 'oi_poller_slots_lost_total');
  const t0 = Date.now();
  const { injected, snapshots } = await runWindow(m, t0);
  const t1 = Date.now();
  // The window's weight: counted at its end (the wait below would add its polls to the window's minute).
  const stats1 = m.sim.stats();
  const lost1 = metricSamples(await scrapeMetrics(m.stack.apiUrl), 'oi_poller_slots_lost_total');
  /** activity scheduler: slots of the share it did not use in the window, by why */
  const slotsLost = Object.fromEntries(
    Object.entries(lost1).map(([labels, v]) => [
      labels.replace(/^reason="(.*)"$/, '$1'),
      round(v - (lost0[labels] ?? 0), 1),
    ]),
  );
  // The last alerts may still be on their way: wait for them, bounded.
  await waitUntil(
    () => injected.every((i) => m.receipts.some((r) => r.symbol === i.symbol && r.at >= i.at)),
    30_000,
    250,
  );
  const statsAfterWait = m.sim.stats();
  const members = await universeMembers(m.stack.apiUrl, m.sim);
  const oi = oiFreshness(m.sim.requestLog(OI_PATH), members, t0, t1);
  const usable = snapshots.at(-1)?.usablePerMin ?? Math.floor(2400 * 0.9);
  const budgetPerMin = capFor(DEFAULT_COMPONENT_SHARES, 'oi-poller', usable);
  const oiWeightPerMin =
    ((stats1.weightByPath[OI_PATH] ?? 0) - (stats0.weightByPath[OI_PATH] ?? 0)) / ((t1 - t0) / 60_000);
  const requests = m.sim.requestLog(OI_PATH);
  const firstPollAfter = (symbol: string, at: number) => (requests[symbol] ?? []).find((t) => t >= at) ?? null;
  const alerts = alertLatencies(
    injected,
    m.receipts,
    (a) => m.path.justifies(a, parseOiTimeframes(CONFIG.timeframes)),
    firstPollAfter,
  );
  log(`${m.mode}: window done, ${oi.symbols} symbols, alerts ${alerts.received}/${alerts.expected}`);
  return {
    oi: {
      ...oi,
      weightRatio: round(oiWeightPerMin / budgetPerMin, 3),
      oiWeightPerMin: round(oiWeightPerMin, 1),
      budgetPerMin,
      windowSec: round((t1 - t0) / 1000, 1),
      slotsLost,
    },
    alerts,
    rest: {
      rejected429: statsAfterWait.rejected429,
      banned418: statsAfterWait.banned418,
      budgetSnapshots: snapshots.length,
    },
    warmUpSec,
    loadAvg: { windowStart: load0.map((v) => round(v)), windowEnd: loadavg().map((v) => round(v)) },
  };
}

async function universeMembers(api: string, sim: Sim): Promise<string[]> {
  const u = await getJson<{ symbols?: { symbol: string }[]; data?: { symbol: string }[] }>(
    `${api}/api/market/open-interest/liquid-universe`,
  ).catch(() => null);
  const members = (u?.symbols ?? u?.data ?? []).map((x) => x.symbol);
  return members.length > 0 ? members : universeOf(sim, CONFIG.symbols).ranked;
}

/** The measured window: each move at its offset (a step at the sim), budget snapshots every 5 s. */
async function runWindow(m: MeasureInput, t0: number): Promise<{ injected: Injected[]; snapshots: BudgetSnapshot[] }> {
  const injected: Injected[] = [];
  const snapshots: BudgetSnapshot[] = [];
  const end = t0 + CONFIG.windowSec * 1000;
  let lastSnap = 0;
  while (Date.now() < end) {
    for (const mv of m.moves) {
      if (injected.some((i) => i.symbol === mv.symbol) || Date.now() < t0 + mv.offsetMs) continue;
      const asked = Date.now();
      await postJson(`${m.sim.url}/__sim/oi`, { symbol: mv.symbol, changePct: mv.changePct, rampSec: 0 });
      // the step's own instant at the sim (it runs in this process), else when it was asked for
      const at = m.path.lastStep.get(mv.symbol) ?? asked;
      injected.push({ ...mv, at, direction: mv.changePct > 0 ? 'UP' : 'DOWN' });
    }
    if (Date.now() - lastSnap >= 5000) {
      lastSnap = Date.now();
      const rl = await getJson<{ latest: BudgetSnapshot | null }>(`${m.stack.apiUrl}/debug/api/rate-limit`).catch(
        () => null,
      );
      if (rl?.latest) snapshots.push(rl.latest);
    }
    await sleep(100);
  }
  return { injected, snapshots };
}
