// Opens every /debug page in headless Chromium against a running backend with data, checks that tables and
// charts render with no console error, and saves screenshots under test-results/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium } from './chromium.js';
import { Prisma } from '@volspike/db';
import { createTestDatabase } from '@volspike/db/testing';
import type { TestDatabase } from '@volspike/db/testing';
import { CHANNELS, KEYS, createBus, createMetrics } from '@volspike/runtime';
import type { Bus } from '@volspike/runtime';
import { loadAppEnv, start } from '../src/index.js';
import type { BackendHandle } from '../src/index.js';
import { createAuth } from '../src/auth/index.js';
import { BUDGET_LATEST_KEY } from '../src/debug/router.js';
import { JWT_SECRET, createUser, silentLogger } from './realtime-helpers.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SHOTS = resolve(import.meta.dirname, '../../../test-results');
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT'];

function budgetSnapshot(at: number, oi: number, universe: number) {
  return {
    at,
    limitPerMin: 2400,
    usablePerMin: 2160,
    usedLastMinute: oi + universe,
    window: { startedAt: Math.floor(at / 60_000) * 60_000, lengthMs: 60_000, used: oi + universe - 100 },
    serverUsedWeight1m: oi + universe + 3,
    headroom: 2160 - oi - universe,
    queued: 0,
    pausedUntil: null,
    pauseReason: null,
    rejected429: 1,
    banned418: 0,
    byComponent: {
      'oi-poller': {
        usedLastMinute: oi,
        usedThisWindow: oi - 100,
        requestsLastMinute: oi,
        reservePerMin: 0,
        queued: 0,
      },
      'universe-job': { usedLastMinute: universe, requestsLastMinute: 1, reservePerMin: 60, queued: 0 },
    },
  };
}

async function seed(db: TestDatabase, now: number): Promise<void> {
  const p = db.prisma;
  await p.openInterestLiquidSymbol.createMany({
    data: SYMBOLS.map((symbol, i) => ({
      symbol,
      quoteVolume24h: new Prisma.Decimal([9e9, 1.1e9, 3.3e8, 3e6, 1.5e6][i]!),
      enteredAt: new Date(now - (i === 4 ? 10 * 60_000 : 3 * 86_400_000)),
      lastSeenAt: new Date(now - 60_000),
    })),
  });
  await p.openInterestLatest.createMany({
    data: SYMBOLS.map((symbol, i) => ({
      symbol,
      openInterest: new Prisma.Decimal(1000 * (i + 1)),
      openInterestUsd: i === 3 ? null : new Prisma.Decimal(5_000_000 * (5 - i)),
      markPrice: i === 3 ? null : new Prisma.Decimal(100 + i),
      ts: new Date(now - (i === 2 ? 180_000 : 5_000)),
      source: 'realtime',
    })),
  });
  await p.openInterestSnapshot.createMany({
    data: Array.from({ length: 60 }, (_, k) => ({
      symbol: 'BTCUSDT',
      ts: new Date(now - (60 - k) * 60_000),
      openInterest: new Prisma.Decimal(80_000 + 40 * k + (k % 7) * 25),
      openInterestUsd: new Prisma.Decimal((80_000 + 40 * k) * 65_000),
      markPrice: new Prisma.Decimal(65_000),
      source: 'realtime',
    })),
  });
  await p.openInterestAlert.createMany({
    data: [0, 1, 2].map((k) => ({
      symbol: SYMBOLS[k]!,
      direction: k === 1 ? 'DOWN' : 'UP',
      baseline: new Prisma.Decimal(1000),
      current: new Prisma.Decimal(k === 1 ? 930 : 1070),
      pctChange: new Prisma.Decimal(k === 1 ? -0.07 : 0.07),
      absChange: new Prisma.Decimal(70),
      priceChange: new Prisma.Decimal(0.01),
      fundingRate: new Prisma.Decimal('0.00012345'),
      timeframe: '15 min',
      source: 'oi_realtime_poller',
      ts: new Date(now - k * 600_000),
      // the first alert held the symbol's cap while the 1 hour timeframe crossed 3 minutes later
      ...(k === 0
        ? { details: { alsoCrossed: [{ timeframe: '1 hour', ts: Date.UTC(2025, 2, 1, 10, 8, 3), pctChange: 0.101 }] } }
        : {}),
    })),
  });
  await p.volumeAlert.createMany({
    data: [0, 1].map((k) => ({
      symbol: SYMBOLS[k]!,
      asset: SYMBOLS[k]!.replace('USDT', ''),
      currentVolume: 3_000_000,
      previousVolume: 1_000_000,
      volumeRatio: 3,
      price: 100,
      fundingRate: 0.0001,
      alertType: 'SPIKE' as const,
      message: `${SYMBOLS[k]} volume spike 3.00x`,
      timestamp: new Date(now - k * 3_600_000),
      hourTimestamp: new Date(now - k * 3_600_000),
      candleDirection: 'bullish',
      detectionTime: new Date(now - k * 3_600_000),
    })),
  });
  await p.componentHeartbeat.create({
    data: {
      component: 'oi-poller',
      status: 'ok',
      lastSeenAt: new Date(now - 4000),
      details: {
        pollIntervalMs: 6200,
        pollsPerMin: 290,
        universeSize: 5,
        errors: 0,
        alertsPerMin: 0.2,
        scheduler: {
          mode: 'activity',
          tradeStream: 'live',
          meanIntervalSec: 6.2,
          maxStalenessSec: 17.4,
          intervalSec: { p50: 5.1, p90: 9.8, p99: 14.2, max: 17.4 },
          pollsByReason: { activity: 120, staleness: 170, fixed: 0 },
        },
      },
    },
  });
}

describe('debug pages in a browser', () => {
  let db: TestDatabase;
  let bus: Bus;
  let backend: BackendHandle;
  let browser: Browser;
  let base = '';
  let adminToken = '';
  let dataDir = '';
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const executablePath = ensureChromium();
    mkdirSync(SHOTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'volspike-debug-'));
    db = await createTestDatabase();
    const now = Date.now();
    await seed(db, now);
    const admin = await createUser(db.prisma, { email: 'admin@example.com', tier: 'elite', role: 'ADMIN' });
    const logger = silentLogger();
    bus = createBus({ logger });
    await bus.setJson(BUDGET_LATEST_KEY, budgetSnapshot(now - 30_000, 300, 40));
    await bus.setJson(KEYS.oiSchedule, {
      at: now,
      mode: 'activity',
      shard: 'all',
      symbols: [
        { symbol: 'BTCUSDT', lastPollAt: now - 2000, reason: 'activity', lastIntervalMs: 3100, polls: 40 },
        { symbol: 'DOGEUSDT', lastPollAt: now - 9000, reason: 'staleness', lastIntervalMs: 17_400, polls: 7 },
      ],
    });
    const universe = (symbols: string[], at: number) => ({
      updatedAt: new Date(at).toISOString(),
      enterThreshold: 4_000_000,
      exitThreshold: 2_000_000,
      symbols: symbols.map((symbol) => ({
        symbol,
        quoteVolume24h: 5e6,
        enteredAt: new Date(at).toISOString(),
        lastSeenAt: new Date(at).toISOString(),
      })),
    });
    await bus.setJson(
      KEYS.universe,
      universe(['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT'], now - 20 * 60_000),
    );
    const env = loadAppEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      JWT_SECRET,
      ALERT_INGEST_API_KEY: 'test-ingest-key',
      DEBUG_ACCESS: 'admin',
      DATA_DIR: dataDir,
    });
    backend = await start(env, { logger, bus, metrics: createMetrics(), prisma: db.prisma, dataDir });
    base = `http://127.0.0.1:${backend.port}`;
    adminToken = await createAuth({
      prisma: db.prisma,
      jwtSecret: JWT_SECRET,
      legacyIdTokens: false,
      legacyEmailTokens: false,
      logger,
    }).signToken(admin);
    await bus.publish(CHANNELS.universe, universe(SYMBOLS, now - 10 * 60_000));
    for (let k = 5; k >= 0; k--) await bus.publish(CHANNELS.budget, budgetSnapshot(now - k * 5000, 600 + 20 * k, 40));
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  }, 20 * 60_000); // a fresh machine first installs Chromium (ensureChromium)

  afterAll(async () => {
    await browser?.close();
    await backend?.stop();
    await bus?.close();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  let page: Page;
  async function open(path: string): Promise<Page> {
    if (!page) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => consoleErrors.push(e.message));
    }
    const res = await page.goto(base + path, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    return page;
  }

  it('refuses the pages without an admin token when DEBUG_ACCESS=admin', async () => {
    expect((await fetch(`${base}/debug/universe`)).status).toBe(401);
    expect((await fetch(`${base}/debug/api/rate-limit`)).status).toBe(401);
  });

  it('logs in with ?token= (cookie, token removed from the URL) and renders the overview', async () => {
    const p = await open(`/debug?token=${encodeURIComponent(adminToken)}`);
    expect(new URL(p.url()).search).toBe('');
    expect(await p.locator('#heartbeats tbody tr').count()).toBe(1);
    await p.screenshot({ path: join(SHOTS, 'debug-index.png'), fullPage: true });
  });

  it('universe: sortable table with entering/leaving counts', async () => {
    const p = await open('/debug/universe');
    expect(await p.locator('#universe tbody tr').count()).toBe(5);
    expect(await p.locator('#entered-1h').textContent()).toBe('1');
    expect(await p.locator('#leaving').textContent()).toBe('1'); // DOGEUSDT is below the 2M exit threshold
    expect(await p.locator('#changes-total').textContent()).toBe('1 / 1'); // +DOGEUSDT −ADAUSDT on the bus
    expect(await p.locator('#universe-changes tbody').textContent()).toContain('+DOGEUSDT −ADAUSDT');
    await p.locator('#universe th', { hasText: 'symbol' }).click();
    expect(await p.locator('#universe tbody tr td:first-child').allTextContents()).toEqual([...SYMBOLS].sort());
    await p.screenshot({ path: join(SHOTS, 'debug-universe.png'), fullPage: true });
  });

  it('open interest: latest per symbol with age and a chart of recent samples', async () => {
    const p = await open('/debug/open-interest?symbol=BTCUSDT');
    expect(await p.locator('#open-interest tbody tr').count()).toBe(5);
    await p.locator('#oi-chart canvas').waitFor();
    expect(await p.locator('#chart-note').textContent()).toBe('60 samples');
    expect(await p.locator('#open-interest tr[data-symbol="SOLUSDT"] td.stale').count()).toBe(1);
    await p.screenshot({ path: join(SHOTS, 'debug-open-interest.png'), fullPage: true });
  });

  it('alerts: recent rows, then live ones through Socket.IO', async () => {
    const p = await open('/debug/alerts');
    expect(await p.locator('#oi-alerts tbody tr').count()).toBe(3);
    expect(await p.locator('#oi-alerts tbody tr td:last-child').allTextContents()).toEqual([
      '1 hour +10.10% 10:08:03Z',
      '—',
      '—',
    ]);
    expect(await p.locator('#volume-alerts tbody tr').count()).toBe(2);
    await expect.poll(() => p.locator('#live-status').textContent(), { timeout: 15_000 }).toBe('live');
    backend.realtime.emitOiAlert({
      id: 'live-oi',
      symbol: 'XRPUSDT',
      direction: 'UP',
      baseline: 1,
      current: 1.2,
      pctChange: 0.2,
      absChange: 0.2,
      priceChange: null,
      fundingRate: null,
      timeframe: '5 min',
      source: 'oi_realtime_poller',
      ts: new Date(),
      createdAt: new Date(),
    });
    await p.locator('#oi-alerts tbody tr.new').waitFor();
    expect(await p.locator('#oi-alerts tbody tr').count()).toBe(4);
    expect(await p.locator('#live-count').textContent()).toBe('1');
    await p.screenshot({ path: join(SHOTS, 'debug-alerts.png'), fullPage: true });
  });

  it('rate limit: budget chart by component, headroom, 429/418 counts and OI poll rate', async () => {
    const p = await open('/debug/rate-limit');
    await p.locator('#budget-chart canvas').waitFor();
    await p.locator('#used', { hasText: '640' }).waitFor();
    expect(await p.locator('#headroom').textContent()).toBe('1,520');
    expect(await p.locator('#r429').textContent()).toBe('1');
    expect(await p.locator('#b418').textContent()).toBe('0');
    expect(await p.locator('#poll-interval').textContent()).toBe('6.2 s');
    expect(await p.locator('#polls-per-min').textContent()).toBe('290');
    expect(await p.locator('#components tbody tr').count()).toBe(2);
    expect(await p.locator('#chart-note').textContent()).toBe('7 snapshots');
    // the budget's own window beside the sliding sum
    expect(await p.locator('#window-used').textContent()).toBe('540');
    expect(await p.locator('#window-verdict').textContent()).toBe('within budget');
    // one colour per component
    const swatches = await p
      .locator('#components .swatch')
      .evaluateAll((els) => els.map((e) => (e as unknown as { style: { background: string } }).style.background));
    expect(new Set(swatches).size).toBe(2);
    // the OI scheduler: measured figures and when/why each symbol was last polled
    expect(await p.locator('#sched-mode').textContent()).toBe('activity (trade stream live)');
    expect(await p.locator('#sched-mean').textContent()).toBe('6.2 s');
    expect(await p.locator('#sched-stale').textContent()).toBe('17.4 s');
    expect(await p.locator('#oi-schedule tbody tr').count()).toBe(2);
    expect(await p.locator('#oi-schedule tbody tr').first().locator('td').nth(2).textContent()).toBe('staleness');
    await p.screenshot({ path: join(SHOTS, 'debug-rate-limit.png'), fullPage: true });
  });

  it('logged no console error on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
