// The checker against the REAL backend (start(): Express + Socket.IO on port 0, migrated test database) with a
// memory bus fed with mark prices. Users sign in with tokens signed by the backend's own auth module.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppEnv as loadBackendEnv, start as startBackend, type BackendHandle } from '@volspike/backend';
import { WeightBudget } from '@volspike/binance-client';
import { startSim } from '@volspike/binance-sim';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { CHANNELS, KEYS, createBus, createLogger, type Bus, type MarkPriceRecord } from '@volspike/runtime';
// Test-time only: the backend's auth module signs the same tokens its Socket.IO server verifies.
import { createAuth } from '../../backend/src/auth/index.js';
import { loadAppEnv, start, type UserAlertsHandle } from '../src/index.js';

const INGEST_KEY = 'user-alerts-test-key';
const JWT_SECRET = 'user-alerts-test-secret-long-enough-for-hs256';
const logger = createLogger({ name: 'test', level: 'silent' });

let db: TestDatabase;
let bus: Bus;
let backend: BackendHandle;
let base: string;
const sockets: Socket[] = [];
const checkers: UserAlertsHandle[] = [];

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function publishMark(symbol: string, markPrice: number, extra: Partial<MarkPriceRecord> = {}): Promise<void> {
  const rec: MarkPriceRecord = {
    symbol,
    markPrice,
    indexPrice: null,
    fundingRate: 0.0001,
    nextFundingTime: null,
    updatedAt: Date.now(),
    ...extra,
  };
  const all = (await bus.getJson<Record<string, MarkPriceRecord>>(KEYS.markPrices)) ?? {};
  await bus.setJson(KEYS.markPrices, { ...all, [symbol]: rec });
  await bus.publish(CHANNELS.markPrices, { updatedAt: rec.updatedAt, prices: [rec] });
}

async function startChecker(overrides: Record<string, string> = {}, budget?: WeightBudget): Promise<UserAlertsHandle> {
  const env = loadAppEnv({
    VOLSPIKE_API_URL: base,
    VOLSPIKE_API_KEY: INGEST_KEY,
    USER_ALERTS_FAST_INTERVAL_MS: '40',
    USER_ALERTS_FREE_INTERVAL_MS: '40',
    USER_ALERTS_HEARTBEAT_MS: '100',
    ...overrides,
  });
  const h = await start(env, { logger, bus, metrics: new Registry(), budget });
  checkers.push(h);
  return h;
}

async function user(tier: 'free' | 'pro') {
  const row = await db.prisma.user.create({
    data: { email: `${tier}-${Math.random().toString(36).slice(2)}@example.com`, tier },
  });
  const auth = createAuth({
    prisma: db.prisma,
    jwtSecret: JWT_SECRET,
    legacyIdTokens: false,
    legacyEmailTokens: false,
    logger,
  });
  return { row, token: await auth.signToken({ id: row.id }) };
}

async function socketFor(token: string): Promise<{ socket: Socket; events: unknown[] }> {
  const socket = connect(base, { auth: { token }, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  const events: unknown[] = [];
  socket.on('user-alert-triggered', (p: unknown) => events.push(p));
  await new Promise<void>((resolve, reject) => {
    socket.once('connected', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, events };
}

async function createAlert(token: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${base}/api/user-alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const row = (id: string) => db.prisma.userCrossAlert.findUniqueOrThrow({ where: { id } });

beforeAll(async () => {
  db = await createTestDatabase();
  bus = createBus({ logger });
  const env = loadBackendEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    ALERT_INGEST_API_KEY: INGEST_KEY,
    JWT_SECRET,
    NODE_ENV: 'test',
    SOCKET_LEGACY_TOKEN_AUTH: 'false',
  });
  backend = await startBackend(env, { logger, bus, metrics: new Registry(), prisma: db.prisma });
  base = `http://127.0.0.1:${backend.port}`;
});

afterAll(async () => {
  for (const c of checkers) await c.stop();
  for (const s of sockets) s.close();
  await backend?.stop();
  await bus?.close();
  await db?.drop();
});

describe('user-alert checker against the real backend', () => {
  it('fires a price alert exactly once on a mark-price cross, to its owner only; a restart does not fire it again', async () => {
    const owner = await user('pro');
    const other = await user('pro');
    const ownerSocket = await socketFor(owner.token);
    const otherSocket = await socketFor(other.token);
    const alertId = await createAlert(owner.token, { symbol: 'BTCUSDT', alertType: 'PRICE_CROSS', threshold: 100 });

    await publishMark('BTCUSDT', 90);
    const first = await startChecker();
    // First observation only sets the baseline.
    await waitFor(async () => (await row(alertId)).lastCheckedValue === 90);
    expect((await row(alertId)).isActive).toBe(true);
    await publishMark('BTCUSDT', 95);
    await waitFor(async () => (await row(alertId)).lastCheckedValue === 95);

    await publishMark('BTCUSDT', 101);
    await waitFor(() => ownerSocket.events.length === 1);
    expect(ownerSocket.events[0]).toMatchObject({
      id: alertId,
      symbol: 'BTCUSDT',
      alertType: 'PRICE_CROSS',
      threshold: 100,
      currentValue: 101,
      previousValue: 95,
      crossedUp: true,
    });
    const fired = await row(alertId);
    expect(fired).toMatchObject({ isActive: false, triggeredCount: 1, triggeredValue: 101 });

    // Restart: a new checker (fresh memory) sees the same prices and does nothing.
    await first.stop();
    const second = await startChecker();
    const before = second.checker.stats().iterations;
    await waitFor(() => second.checker.stats().iterations >= before + 3);
    await publishMark('BTCUSDT', 99);
    await waitFor(() => second.checker.stats().iterations >= before + 6);
    expect((await row(alertId)).triggeredCount).toBe(1);
    expect(ownerSocket.events).toHaveLength(1);
    expect(otherSocket.events).toHaveLength(0);
    await second.stop();
  });

  it('two checkers that see the same cross at once fire it once (the backend trigger is atomic)', async () => {
    const owner = await user('pro');
    const s = await socketFor(owner.token);
    await publishMark('ETHUSDT', 50);
    const alertId = await createAlert(owner.token, {
      symbol: 'ETHUSDT',
      alertType: 'PRICE_CROSS',
      threshold: 40,
      lastCheckedValue: 50,
    });
    const a = await startChecker();
    const b = await startChecker();
    await publishMark('ETHUSDT', 39);
    await waitFor(() => s.events.length >= 1);
    await waitFor(() => a.checker.stats().iterations > 3 && b.checker.stats().iterations > 3);
    const fired = await row(alertId);
    expect(fired).toMatchObject({ isActive: false, triggeredCount: 1, triggeredValue: 39 });
    expect(s.events).toHaveLength(1);
    expect(s.events[0]).toMatchObject({ crossedUp: false, previousValue: 50, currentValue: 39 });
    await a.stop();
    await b.stop();
  });

  it('skips a stale mark price (no cross, no update), uses the funding rate and OI in USD from the bus', async () => {
    const owner = await user('pro');
    const stale = await createAlert(owner.token, {
      symbol: 'SOLUSDT',
      alertType: 'PRICE_CROSS',
      threshold: 10,
      lastCheckedValue: 5,
    });
    const funding = await createAlert(owner.token, {
      symbol: 'XRPUSDT',
      alertType: 'FUNDING_CROSS',
      threshold: -0.0005,
      lastCheckedValue: 0.0001,
    });
    const oi = await createAlert(owner.token, {
      symbol: 'XRPUSDT',
      alertType: 'OI_CROSS',
      threshold: 1_000_000,
      lastCheckedValue: 900_000,
    });
    await publishMark('SOLUSDT', 20, { updatedAt: Date.now() - 120_000 });
    await publishMark('XRPUSDT', 2, { fundingRate: -0.001 });
    await bus.publish(CHANNELS.oiSamples, {
      samples: [{ symbol: 'XRPUSDT', openInterest: 600_000, openInterestUsd: null, markPrice: 2, ts: Date.now() }],
    });
    const c = await startChecker();
    await waitFor(async () => !(await row(funding)).isActive && !(await row(oi)).isActive);
    expect(await row(funding)).toMatchObject({ triggeredValue: -0.001 });
    expect(await row(oi)).toMatchObject({ triggeredValue: 1_200_000 });
    const before = c.checker.stats().iterations;
    await waitFor(() => c.checker.stats().iterations >= before + 3);
    expect(await row(stale)).toMatchObject({ isActive: true, lastCheckedValue: 5, triggeredCount: 0 });
    await c.stop();
  });

  it('evaluates free-tier alerts only at the free cadence', async () => {
    const free = await user('free');
    await publishMark('ADAUSDT', 1);
    const alertId = await createAlert(free.token, { symbol: 'ADAUSDT', alertType: 'PRICE_CROSS', threshold: 2 });
    const c = await startChecker({ USER_ALERTS_FAST_INTERVAL_MS: '30', USER_ALERTS_FREE_INTERVAL_MS: '600000' });
    await waitFor(async () => (await row(alertId)).lastCheckedValue === 1);
    await publishMark('ADAUSDT', 3);
    const before = c.checker.stats().iterations;
    await waitFor(() => c.checker.stats().iterations >= before + 4);
    expect(await row(alertId)).toMatchObject({ isActive: true, lastCheckedValue: 1 });
    await c.stop();
  });

  it('falls back to ONE openInterest REST call per symbol (not per alert) through the budget when the bus has no OI', async () => {
    const sim = await startSim({ port: 0, symbols: 20, seed: 7, lively: false });
    const budget = new WeightBudget({ logger, limitPerMin: 2400 });
    try {
      const symbol = sim.market.liquid(0)[0]!;
      const owner = await user('pro');
      const mark = 3;
      await publishMark(symbol, mark);
      const a1 = await createAlert(owner.token, { symbol, alertType: 'OI_CROSS', threshold: 1e15 });
      const a2 = await createAlert(owner.token, { symbol, alertType: 'OI_CROSS', threshold: 2e15 });
      const c = await startChecker(
        { BINANCE_REST_URL: sim.url, USER_ALERTS_FAST_INTERVAL_MS: '600000', USER_ALERTS_FREE_INTERVAL_MS: '600000' },
        budget,
      );
      await waitFor(() => c.checker.stats().iterations >= 1);
      const expected = sim.market.openInterest(symbol) * mark;
      expect((await row(a1)).lastCheckedValue).toBeCloseTo(expected, 3);
      expect((await row(a2)).lastCheckedValue).toBeCloseTo(expected, 3);
      expect(sim.requestLog('/fapi/v1/openInterest')[symbol]).toHaveLength(1);
      expect(c.checker.stats().lastResult).toMatchObject({ restCalls: 1, baselines: 2 });
      expect(budget.snapshot().byComponent['user-alerts']?.requestsLastMinute).toBe(1);
      await c.stop();
    } finally {
      await budget.stop();
      await sim.close();
    }
  });

  it('in SHADOW mode records the trigger in the journal instead: the alert stays active and nobody is notified', async () => {
    for (const c of checkers) await c.stop(); // only the shadow checker may look at the alerts now
    const dir = await mkdtemp(join(tmpdir(), 'user-alerts-shadow-'));
    const owner = await user('pro');
    const s = await socketFor(owner.token);
    const alertId = await createAlert(owner.token, {
      symbol: 'SOLUSDT',
      alertType: 'PRICE_CROSS',
      threshold: 100,
      lastCheckedValue: 95,
    });
    await publishMark('SOLUSDT', 101);
    const h = await startChecker({ SHADOW: 'true', SHADOW_DIR: dir });
    const journal = async (): Promise<string> =>
      (await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f), 'utf8')))).join('');
    const ours = (text: string): string | undefined =>
      text.split('\n').find((l) => l.includes('"route":"userAlertTrigger"') && l.includes(alertId));
    await waitFor(async () => ours(await journal()) !== undefined);
    await h.stop();
    const line = ours(await journal()) as string;
    expect(JSON.parse(line)).toMatchObject({
      app: 'user-alerts',
      target: 'backend',
      path: '/api/user-alerts-trigger/trigger',
      body: { alertId, symbol: 'SOLUSDT', currentValue: 101, previousValue: 95, crossedUp: true },
    });
    expect(await journal()).not.toContain(INGEST_KEY);
    expect(await row(alertId)).toMatchObject({ isActive: true, triggeredCount: 0, lastCheckedValue: 95 });
    expect(s.events).toHaveLength(0);
    await rm(dir, { recursive: true, force: true });
  });
});
