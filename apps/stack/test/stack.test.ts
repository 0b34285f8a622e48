// The whole product in one process, the way `npm run demo` runs it: simulated exchange → universe job →
// OI poller (mark prices from the funding daemon) → backend → a Socket.IO client. Short alert lookbacks and
// a small market keep it to seconds; the wiring is the production one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '@volspike/binance-sim';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { createLogger } from '@volspike/runtime';
import { loadStackEnv, startStack, type StackHandle } from '../src/index.js';
import { freePort, liquidUniverse, signUserToken, stackTestSource, waitFor } from './helpers.js';

const KEY = 'stack-test-ingest-key';
const JWT_SECRET = 'stack-test-jwt-secret-long-enough-for-hs256';
let sim: Sim;
let db: TestDatabase;
let stack: StackHandle;
let dataDir: string;
let ports: { api: number; proxy: number; funding: number };
let liquid: string[];

beforeAll(async () => {
  sim = await startSim({ port: 0, symbols: 60, seed: 5, markPriceIntervalMs: 500 });
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'volspike-stack-'));
  ports = { api: await freePort(), proxy: await freePort(), funding: await freePort() };
  // The 12 most liquid tradable USDT perpetuals form the universe.
  const u = liquidUniverse(sim, 12);
  liquid = u.liquid;
  const source = stackTestSource({
    sim,
    dataDir,
    databaseUrl: db.url,
    ports,
    key: KEY,
    jwtSecret: JWT_SECRET,
    enter: u.enter,
  });
  const logger = createLogger({ name: 'stack-test', level: 'silent' });
  stack = await startStack({ mode: 'demo', env: loadStackEnv(source), source, logger });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await sim?.close();
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const api = (path: string) => `http://127.0.0.1:${ports.api}${path}`;
async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  return (await res.json()) as T;
}

describe('all-in-one stack against the simulated exchange', () => {
  it('classifies the universe, polls OI with USD values from the funding stream, and answers /health', async () => {
    const universe = await waitFor(
      'the liquid universe on the backend',
      async () => {
        const u = await json<{ totalSymbols: number; symbols: { symbol: string; estimatedPollIntervalSec: number }[] }>(
          api('/api/market/open-interest/liquid-universe'),
        );
        return u.totalSymbols === liquid.length ? u : null;
      },
      30_000,
    );
    expect(universe.symbols.map((s) => s.symbol).sort()).toEqual([...liquid].sort());

    const latest = await waitFor(
      'realtime OI with USD values for every liquid symbol',
      async () => {
        const l = await json<{ data: { symbol: string; openInterestUsd: number | null; source: string }[] }>(
          api(`/api/market/open-interest/latest?symbols=${liquid.join(',')}`),
        );
        return l.data.length === liquid.length &&
          l.data.every((d) => d.openInterestUsd !== null && d.source === 'realtime')
          ? l
          : null;
      },
      30_000,
    );
    // The market keeps walking between the poll and this check, so compare within 2 %.
    for (const d of latest.data) {
      const now = sim.market.openInterest(d.symbol) * sim.market.markPrice(d.symbol);
      expect(Math.abs((d.openInterestUsd as number) / now - 1)).toBeLessThan(0.02);
    }

    const funding = await fetch(`http://127.0.0.1:${ports.funding}/funding/${liquid[0]!.toLowerCase()}`);
    expect(funding.status).toBe(200);
    expect(((await funding.json()) as { symbol: string }).symbol).toBe(liquid[0]);

    const perps = await json<{ count: number }>(`http://127.0.0.1:${ports.proxy}/api/binance/futures/usdt-perpetuals`);
    expect(perps.count).toBeGreaterThanOrEqual(liquid.length);

    const health = await waitFor(
      'a healthy /health',
      async () => ((await fetch(api('/health'))).status === 200 ? true : null),
      30_000,
    );
    expect(health).toBe(true);
    expect(sim.stats().rejected429).toBe(0);
    expect(sim.stats().banned418).toBe(0);
  }, 90_000);

  it('delivers an OI spike on one symbol to an elite Socket.IO client, once', async () => {
    const user = await db.prisma.user.create({ data: { email: 'elite@example.com', tier: 'elite' } });
    const token = await signUserToken(user.id, JWT_SECRET);
    const socket: Socket = connect(api(''), { auth: { token }, transports: ['websocket'], reconnection: false });
    const alerts: { symbol: string; direction: string; timeframe: string }[] = [];
    socket.on('open-interest-alert', (a: { symbol: string; direction: string; timeframe: string }) => alerts.push(a));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connected', () => resolve());
        socket.once('connect_error', reject);
      });
      const target = liquid[3]!;
      const res = await fetch(`${sim.url}/__sim/oi`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: target, changePct: 8, rampSec: 6 }),
      });
      expect(res.status).toBe(200);
      await waitFor('the alert on the socket', async () => alerts.some((a) => a.symbol === target), 20_000);
      await new Promise((r) => setTimeout(r, 3000));
      const mine = alerts.filter((a) => a.symbol === target);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ direction: 'UP', timeframe: '3s' });
      const stored = await db.prisma.openInterestAlert.count({ where: { symbol: target } });
      expect(stored).toBe(1);
    } finally {
      socket.close();
    }
  }, 60_000);

  it('recovers from a dropped Binance WebSocket without a restart: mark prices flow again into OI USD values', async () => {
    const symbol = liquid[0]!;
    const dropped = Date.now();
    const res = await fetch(`${sim.url}/__sim/ws/drop`, { method: 'POST' });
    expect(res.status).toBe(200);
    const funding = `http://127.0.0.1:${ports.funding}/funding/${symbol}`;
    await waitFor(
      'a mark price received after the drop',
      async () => {
        const r = await fetch(funding);
        if (r.status !== 200) return null;
        const body = (await r.json()) as { updatedAt: number };
        return body.updatedAt * 1000 > dropped + 100;
      },
      20_000,
    );
    await waitFor(
      'an OI sample with a USD value taken after the drop',
      async () => {
        const l = await json<{ data: { ts: string; openInterestUsd: number | null }[] }>(
          api(`/api/market/open-interest/latest?symbols=${symbol}`),
        );
        const d = l.data[0];
        return d && Date.parse(d.ts) > dropped + 1000 && d.openInterestUsd !== null;
      },
      20_000,
    );
    expect((await fetch(api('/health'))).status).toBe(200);
  }, 60_000);
});
