// A Binance WebSocket that stays open but goes silent, through the whole stack (startStack: universe job,
// funding daemon, OI poller, backend, against a simulated exchange of this test). What a user notices: the
// funding API and /health report the staleness meanwhile (a stale mark is never served as fresh), the
// funding daemon's watchdog replaces the silent connection without a restart, OI keeps being polled but
// its USD value is null while marks are stale (the oi-poller README: never a stale or made-up value, never
// 0), no OI alert comes from the missing data, and everything is fresh again when the stream resumes.
// The stored samples (`/samples`, what a chart shows) are checked: `/latest` keeps the last good USD value
// by the backend's design (its README: "a good USD value is never overwritten by a missing one").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '@volspike/binance-sim';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { createLogger } from '@volspike/runtime';
import { loadStackEnv, startStack, type StackHandle } from '../../src/index.js';
import { freePort, liquidUniverse, stackTestSource, waitFor } from '../helpers.js';
import { FaultSummary } from './summary.js';

const SILENCE_MS = 20_000;
const WATCHDOG_MS = 3000;
const MARK_MAX_AGE_MS = 3000;
const summary = new FaultSummary('WS silence through the whole stack');

let sim: Sim;
let db: TestDatabase;
let stack: StackHandle | null = null;
let dataDir: string;
let ports: { api: number; proxy: number; funding: number };
let liquid: string[];

interface Latest {
  symbol: string;
  ts: string;
  openInterest: number | null;
  openInterestUsd: number | null;
  markPrice: number | null;
}
interface FundingHealthBody {
  status: string;
  error?: string;
  reconnectAttempts: number;
  uptimeSeconds: number;
}

const api = (path: string): string => `http://127.0.0.1:${ports.api}${path}`;
const funding = (path: string): string => `http://127.0.0.1:${ports.funding}/funding${path}`;
async function get<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}
const latest = async (): Promise<Latest[]> =>
  (await get<{ data: Latest[] }>(api(`/api/market/open-interest/latest?symbols=${liquid.join(',')}`))).body.data;
/** A symbol's stored realtime samples since `since` (the history a chart shows), oldest first. */
const samples = async (symbol: string, since: number): Promise<Omit<Latest, 'symbol'>[]> =>
  (
    await get<{ samples: Omit<Latest, 'symbol'>[] }>(
      api(`/api/market/open-interest/samples?symbol=${symbol}&since=${new Date(since).toISOString()}`),
    )
  ).body.samples;

beforeAll(async () => {
  sim = await startSim({ port: 0, symbols: 60, seed: 29, markPriceIntervalMs: 500 });
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'faults-ws-silence-'));
  ports = { api: await freePort(), proxy: await freePort(), funding: await freePort() };
  const u = liquidUniverse(sim, 10);
  liquid = u.liquid;
  const source = stackTestSource({
    sim,
    dataDir,
    databaseUrl: db.url,
    ports,
    key: 'faults-ws-silence-key',
    jwtSecret: 'faults-ws-silence-secret-long-enough-for-hs256',
    enter: u.enter,
    extra: {
      OI_MARK_MAX_AGE_MS: String(MARK_MAX_AGE_MS),
      WS_SILENCE_TIMEOUT_MS: String(WATCHDOG_MS),
      WS_RECONNECT_BASE_MS: '200',
      WS_RECONNECT_MAX_MS: '1000',
      FUNDING_STALE_SEC: '3',
      FUNDING_GAP_ALERT_SEC: '2',
      HEALTH_MARK_PRICE_STALE_SEC: '3',
      FEATURE_VOLUME_ALERTS: 'false',
      FEATURE_USER_ALERTS: 'false',
    },
  });
  const logger = createLogger({ name: 'faults-ws-silence', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  stack = await startStack({ mode: 'demo', env: loadStackEnv(source), source, logger });
  await waitFor(
    'OI with USD values for every liquid symbol',
    async () => {
      const l = await latest();
      return l.length === liquid.length && l.every((d) => d.openInterestUsd !== null);
    },
    60_000,
    500,
  );
  await waitFor('a healthy stack', async () => (await fetch(api('/health'))).status === 200, 60_000, 500);
}, 150_000);

afterAll(async () => {
  summary.print();
  await stack?.stop();
  await sim?.close();
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('mark-price WebSocket silent (open, no frames) through the whole stack', () => {
  it('staleness reported, connection replaced without a restart, OI USD null meanwhile, no alert, everything fresh after', async () => {
    await summary.run(`WS silent for ${SILENCE_MS / 1000} s`, async () => {
      const symbol = liquid[0]!;
      const before = await get<FundingHealthBody>(funding('/health'));
      expect(before.status).toBe(200);
      const alertsBefore = await db.prisma.openInterestAlert.count();

      const res = await fetch(`${sim.url}/__sim/ws/silence`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms: SILENCE_MS }),
      });
      expect(res.status).toBe(200);
      const { silentUntil } = (await res.json()) as { silentUntil: number };
      const silencedAt = silentUntil - SILENCE_MS;
      const meanwhile = silentUntil - Date.now() - 1000; // each of these must be seen while still silent

      // Reported meanwhile: the funding API refuses stale marks, its health and the backend's say so.
      const fundingDown = await waitFor(
        '/funding/health to report the staleness',
        async () => {
          const h = await get<FundingHealthBody>(funding('/health'));
          return h.status === 503 ? h.body : null;
        },
        meanwhile,
      );
      expect(['Data stale', 'WebSocket disconnected']).toContain(fundingDown.error);
      const one = await get<{ detail: { error: string } }>(funding(`/${symbol}`));
      expect(one.status).toBe(503);
      expect(one.body.detail.error).toBe('Data stale');
      const backendDown = await waitFor(
        '/health to report stale mark prices',
        async () => {
          const h = await get<{ checks: Record<string, { ok: boolean }> }>(api('/health'));
          return h.status === 503 && h.body.checks.markPrices?.ok === false ? h : null;
        },
        silentUntil - Date.now() - 1000,
      );
      expect(backendDown.status).toBe(503);
      // The watchdog notices the silent connection and replaces it (the same daemon: uptime keeps counting).
      const replaced = await waitFor(
        'the watchdog to replace the silent connection',
        async () => {
          const h = await get<FundingHealthBody>(funding('/health'));
          return h.body.reconnectAttempts > before.body.reconnectAttempts ? h.body : null;
        },
        silentUntil - Date.now() - 1000,
      );
      expect(replaced.uptimeSeconds).toBeGreaterThan(before.body.uptimeSeconds);
      // OI is still polled, with a null USD value rather than one made from a stale mark.
      await waitFor(
        'OI samples without a USD value while marks are stale',
        async () =>
          (await samples(symbol, silencedAt)).some(
            (d) => d.openInterest !== null && d.openInterestUsd === null && d.markPrice === null,
          ),
        silentUntil - Date.now() - 1000,
      );
      expect(Date.now()).toBeLessThan(silentUntil); // all of the above was observed during the silence

      // Resumed, without restarting anything.
      await waitFor(
        `a fresh mark of ${symbol} from the funding API`,
        async () => {
          const r = await get<{ updatedAt: number }>(funding(`/${symbol}`));
          return r.status === 200 && r.body.updatedAt * 1000 > silentUntil;
        },
        30_000,
      );
      await waitFor('/funding/health 200', async () => (await fetch(funding('/health'))).status === 200, 30_000);
      await waitFor(
        'OI samples with USD values again for every liquid symbol',
        async () => {
          for (const s of liquid) {
            const newest = (await samples(s, silentUntil)).at(-1);
            if (!newest || Date.parse(newest.ts) <= silentUntil + 1000 || newest.openInterestUsd === null) return false;
          }
          return true;
        },
        30_000,
      );
      await waitFor('/health 200 again', async () => (await fetch(api('/health'))).status === 200, 30_000);

      // Stored history: samples from well inside the silence (marks older than the max age even if the last
      // frame before the silence was read late) have no USD value; none anywhere is zero.
      const inside = await db.prisma.openInterestSnapshot.findMany({
        where: {
          source: 'realtime',
          ts: { gte: new Date(silencedAt + MARK_MAX_AGE_MS + 6000), lt: new Date(silentUntil) },
        },
        select: { openInterestUsd: true, markPrice: true },
      });
      expect(inside.length).toBeGreaterThanOrEqual(liquid.length);
      expect(inside.filter((r) => r.openInterestUsd !== null || r.markPrice !== null)).toHaveLength(0);
      expect(
        await db.prisma.openInterestSnapshot.count({
          where: { OR: [{ openInterestUsd: { lte: 0 } }, { markPrice: { lte: 0 } }, { openInterest: { lte: 0 } }] },
        }),
      ).toBe(0);
      // no alert from missing data
      expect(await db.prisma.openInterestAlert.count()).toBe(alertsBefore);
      expect(sim.stats().banned418).toBe(0);
      return {
        dataLost: 0,
        note: `${replaced.reconnectAttempts - before.body.reconnectAttempts} reconnect(s), ${inside.length} samples with null USD inside the silence`,
      };
    });
  }, 180_000);
});
