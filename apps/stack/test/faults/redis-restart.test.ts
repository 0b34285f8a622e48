// Redis killed and started again (empty) under the whole stack run with REDIS_URL: the bus, the clustered
// weight budget, the oi-poller's outbox store and the Socket.IO adapter all live on a Redis of this test's
// own. What a user notices: no component crashes, /health says the bus is down meanwhile and recovers, OI
// samples keep reaching Postgres (ingest is HTTP) or arrive once afterwards, the budget neither bursts nor
// earns a 429/418 when Redis is back, and the bus subscribers resume: a symbol that becomes liquid afterwards
// is polled (universe over the bus), mark prices give USD values again, and sockets get OI updates.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '@volspike/binance-sim';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { createLogger } from '@volspike/runtime';
import { loadStackEnv, startStack, type StackHandle } from '../../src/index.js';
import { freePort, liquidUniverse, signUserToken, skipWhenMissing, stackTestSource, waitFor } from '../helpers.js';
import { redisUnavailable, startDedicatedRedis, type DedicatedRedis } from './services.js';
import { FaultSummary } from './summary.js';

const OI_PATH = '/fapi/v1/openInterest';
const INTERVAL_MS = 1000;
const MARK_MAX_AGE_MS = 3000;
const JWT_SECRET = 'faults-redis-secret-long-enough-for-hs256';
const KEY = 'faults-redis-key';
/** Not in the sim's market: only the test posts samples of it. */
const OUTSIDER = 'FAULTSOUTSIDERUSDT';
const summary = new FaultSummary('Redis restarted under the whole stack (REDIS_URL)');
const unavailable = redisUnavailable();

let redis: DedicatedRedis | null = null;
let sim: Sim;
let db: TestDatabase;
let stack: StackHandle | null = null;
let dataDir: string;
let ports: { api: number; proxy: number; funding: number };
let liquid: string[];
let newcomer: string;
let socket: Socket | null = null;
const updates: { symbol: string; at: number }[] = [];

interface Sample {
  ts: string;
  openInterestUsd: number | null;
}

const api = (path: string): string => `http://127.0.0.1:${ports.api}${path}`;
async function health(): Promise<{ status: number; checks: Record<string, { ok: boolean }> }> {
  const res = await fetch(api('/health'));
  return { status: res.status, checks: ((await res.json()) as { checks: Record<string, { ok: boolean }> }).checks };
}
const samples = async (symbol: string, since: number): Promise<Sample[]> => {
  const res = await fetch(
    api(`/api/market/open-interest/samples?symbol=${symbol}&since=${new Date(since).toISOString()}&limit=10000`),
  );
  return ((await res.json()) as { samples: Sample[] }).samples;
};
/** Successful openInterest requests the sim answered (only the oi-poller sends them here), oldest first. */
const oiRequests = (since = 0): number[] =>
  Object.values(sim.requestLog(OI_PATH))
    .flat()
    .filter((t) => t >= since)
    .sort((a, b) => a - b);

describe.skipIf(skipWhenMissing('faults: Redis restart scenario', unavailable))(
  'Redis killed and restarted under the whole stack',
  () => {
    beforeAll(async () => {
      redis = await startDedicatedRedis();
      sim = await startSim({ port: 0, symbols: 60, seed: 31, markPriceIntervalMs: 500 });
      db = await createTestDatabase();
      dataDir = mkdtempSync(join(tmpdir(), 'faults-redis-'));
      ports = { api: await freePort(), proxy: await freePort(), funding: await freePort() };
      const u = liquidUniverse(sim, 10);
      liquid = u.liquid;
      newcomer = u.ranked[30]!;
      const source = stackTestSource({
        sim,
        dataDir,
        databaseUrl: db.url,
        ports,
        key: KEY,
        jwtSecret: JWT_SECRET,
        enter: u.enter,
        extra: {
          REDIS_URL: redis.url,
          OI_UNIVERSE_REFRESH_SEC: '3',
          OI_POLL_MIN_INTERVAL_MS: String(INTERVAL_MS),
          OI_POLL_MAX_INTERVAL_MS: String(INTERVAL_MS),
          OI_OUTBOX_MAX_DELAY_MS: '1000',
          OI_MARK_MAX_AGE_MS: String(MARK_MAX_AGE_MS),
          FEATURE_VOLUME_ALERTS: 'false',
          FEATURE_USER_ALERTS: 'false',
        },
      });
      const logger = createLogger({ name: 'faults-redis', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
      stack = await startStack({ mode: 'demo', env: loadStackEnv(source), source, logger });

      const user = await db.prisma.user.create({
        data: { email: 'pro@redis.test', tier: 'pro', role: 'USER', status: 'ACTIVE' },
      });
      const token = await signUserToken(user.id, JWT_SECRET);
      const s = io(api(''), { transports: ['websocket'], auth: { token }, forceNew: true });
      socket = s;
      s.on('open-interest-update', (u: { symbol: string }) => updates.push({ symbol: u.symbol, at: Date.now() }));
      await new Promise<void>((res, rej) => {
        s.once('connected', () => res());
        s.once('connect_error', rej);
      });
      await waitFor(
        'OI samples with USD values for every liquid symbol',
        async () => {
          for (const sym of liquid) {
            const newest = (await samples(sym, Date.now() - 10_000)).at(-1);
            if (!newest || newest.openInterestUsd === null) return false;
          }
          return true;
        },
        60_000,
        500,
      );
      await waitFor('a healthy stack', async () => (await health()).status === 200, 60_000, 500);
    }, 150_000);

    afterAll(async () => {
      summary.print();
      socket?.close();
      await stack?.stop();
      await redis?.destroy();
      await sim?.close();
      await db?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('Redis killed for several poll cycles and started empty: degraded meanwhile, no crash, nothing lost, no burst, subscribers resume', async () => {
      await summary.run('Redis SIGKILLed and started again (empty)', async () => {
        const sim0 = sim.stats();
        await redis!.kill();
        const killedAt = Date.now();

        const down = await waitFor(
          '/health to report the bus down',
          async () => {
            const h = await health();
            return h.status === 503 && h.checks.bus?.ok === false ? h : null;
          },
          20_000,
        );
        expect(down.checks.database?.ok).toBe(true);
        // HTTP ingest does not depend on Redis: a batch posted now is stored and reaches the socket (the
        // Socket.IO Redis adapter cannot publish to other instances meanwhile; this one must not crash on it).
        const ingestAt = Date.now();
        const posted = await fetch(api('/api/market/open-interest/ingest'), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': KEY },
          body: JSON.stringify({
            data: [{ symbol: OUTSIDER, openInterest: 1234.5, openInterestUsd: null, markPrice: null }],
            timestamp: new Date(ingestAt).toISOString(),
            source: 'realtime',
          }),
        });
        expect(posted.status).toBe(200);
        await waitFor(
          'the OI update of the posted batch on the socket',
          async () => updates.some((u) => u.symbol === OUTSIDER && u.at >= ingestAt),
          10_000,
        );
        // down for several poll cycles (wall clock: what is polled meanwhile depends on the budget's design)
        await waitFor(
          'eight poll periods with Redis down',
          async () => Date.now() - killedAt >= 8 * INTERVAL_MS,
          30_000,
        );
        expect((await health()).status).toBe(503);
        const storedDuring = await db.prisma.openInterestSnapshot.count({
          where: { source: 'realtime', symbol: { not: OUTSIDER }, ts: { gte: new Date(killedAt) } },
        });

        await redis!.start();
        const backAt = Date.now();
        await waitFor('/health 200 again', async () => (await health()).status === 200, 60_000, 500);

        // Bus subscribers resumed: marks reach the poller again (USD values back on fresh samples) …
        await waitFor(
          'OI samples with USD values again for every liquid symbol',
          async () => {
            for (const sym of liquid) {
              const newest = (await samples(sym, backAt)).at(-1);
              if (!newest || Date.parse(newest.ts) <= backAt + 1000 || newest.openInterestUsd === null) return false;
            }
            return true;
          },
          60_000,
          500,
        );
        // … a symbol that becomes liquid now reaches the poller through the universe channel and is polled …
        const res = await fetch(`${sim.url}/__sim/quote-volume`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ symbol: newcomer, quoteVolume24h: sim.market.quoteVolume24h(liquid[0]!) * 2 }),
        });
        expect(res.status).toBe(200);
        await waitFor(
          `the newcomer ${newcomer} polled and stored`,
          async () => (await samples(newcomer, backAt)).length > 0,
          60_000,
          500,
        );
        // … and sockets get OI updates through the Socket.IO Redis adapter.
        const socketAt = Date.now();
        await waitFor('OI updates on the socket', async () => updates.some((u) => u.at > socketAt), 30_000);
        expect(socket!.connected).toBe(true);

        // No burst and no 429/418 when Redis returns: in the 5 s after the first OI request since Redis came
        // back, at most the planned rate (one request per symbol per second) plus one round (the requests
        // that were waiting in the budget when Redis returned).
        const after = oiRequests(backAt);
        const first = after[0]!;
        const windowMs = 5000;
        const inWindow = Object.entries(sim.requestLog(OI_PATH)).filter(([, ts]) =>
          ts.some((t) => t >= first && t < first + windowMs),
        ).length;
        const planned = (inWindow * windowMs) / INTERVAL_MS;
        const early = after.filter((t) => t < first + windowMs).length;
        expect(early).toBeLessThanOrEqual(planned + inWindow);
        const sim1 = sim.stats();
        expect(sim1.rejected429 - sim0.rejected429).toBe(0);
        expect(sim1.banned418 - sim0.banned418).toBe(0);

        // Nothing lost: every OI response the sim gave (only the poller asks for OI here) is a stored sample.
        // Stopping the stack stops the poller first, which flushes its outbox while the backend still runs;
        // the requests of the last 2 s are left out (one still in flight at the stop is dropped on purpose).
        const s = stack!;
        stack = null;
        const stopAt = Date.now();
        await s.stop();
        const rows = await db.prisma.openInterestSnapshot.findMany({
          where: { source: 'realtime', symbol: { not: OUTSIDER } },
          select: { symbol: true, ts: true },
        });
        const storedAt = new Map<string, number[]>();
        for (const r of rows) storedAt.set(r.symbol, [...(storedAt.get(r.symbol) ?? []), r.ts.getTime()]);
        let answered = 0;
        let lost = 0;
        for (const [symbol, times] of Object.entries(sim.requestLog(OI_PATH))) {
          const have = storedAt.get(symbol) ?? [];
          for (const t of times) {
            if (t >= stopAt - 2000) continue;
            answered++;
            // a sample's time is taken when the response arrives: just after the sim logged the request
            if (!have.some((ts) => ts >= t && ts < t + INTERVAL_MS - 100)) lost++;
          }
        }
        expect(lost).toBe(0);
        expect(rows.length).toBeLessThanOrEqual(oiRequests().length); // nothing stored twice or made up
        return {
          dataLost: lost,
          note: `${storedDuring} samples stored while Redis was down; ${answered} OI responses before the stop, all stored; ${early} OI requests in 5 s after (planned ${planned})`,
        };
      });
    }, 300_000);
  },
);
