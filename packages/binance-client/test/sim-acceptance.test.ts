// Acceptance (issue 4, binance-client) against @volspike/binance-sim on port 0.
// The weight tests run the sim's weight windows on a fast clock (1 sim-minute = 300 ms real) and
// give the budget the same 300 ms window, so "5,000 weight at 300/min" takes seconds, not minutes.
import { randomUUID } from 'node:crypto';
import { startSim, type Sim } from '@volspike/binance-sim';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  BinanceRestClient,
  BinanceWsClient,
  WeightBudget,
  filterUsdtPerpetuals,
  type MarkPriceUpdate,
} from '../src/index.js';
import { silentLogger } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:bc-sim:${randomUUID()}:`;
const SPEED = 200;
const WINDOW_MS = 60_000 / SPEED;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  const r = new Redis(REDIS_URL);
  const keys = [...(await r.keys(`${prefix}*`)), ...(await r.keys(`b_${prefix}*`))];
  if (keys.length) await r.del(...keys);
  await r.quit();
});

/** Sim clock running SPEED× faster whose minute boundaries fall on real WINDOW_MS boundaries. */
function fastClock(): () => number {
  const r = Math.floor(Date.now() / 60_000) * 60_000;
  return () => (Date.now() - r) * SPEED + r;
}

async function sim(opts: Parameters<typeof startSim>[0] = {}): Promise<Sim> {
  const s = await startSim({ port: 0, symbols: 40, historyHours: 24, ...opts });
  cleanups.push(() => s.close());
  return s;
}
function budget(opts: Partial<ConstructorParameters<typeof WeightBudget>[0]> = {}): WeightBudget {
  const b = new WeightBudget({ logger: silentLogger(), shares: {}, ...opts });
  cleanups.push(() => b.stop());
  return b;
}
function rest(
  s: Sim,
  b: WeightBudget,
  component = 'oi-poller',
  opts: Partial<ConstructorParameters<typeof BinanceRestClient>[0]> = {},
): BinanceRestClient {
  const c = new BinanceRestClient({
    baseUrl: s.url,
    budget: b,
    component,
    logger: silentLogger(),
    retryBaseMs: 20,
    retryMaxMs: 200,
    ...opts,
  });
  cleanups.push(() => c.close());
  return c;
}
async function control(s: Sim, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}
async function symbols(c: BinanceRestClient): Promise<string[]> {
  return filterUsdtPerpetuals(await c.exchangeInfo()).map((s) => s.symbol);
}

describe('weight budget against the sim', () => {
  it('a client trying to send 5,000 weight gets zero 429s and finishes at the budget pace', async () => {
    const s = await sim({ weightLimitPerMin: 300, clock: fastClock() });
    const b = budget({ limitPerMin: 300, windowMs: WINDOW_MS });
    const c = rest(s, b);
    const syms = await symbols(c);
    const t0 = Date.now();
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) calls.push(c.ticker24hr());
    for (let i = 0; i < 100; i++) calls.push(c.klines({ symbol: syms[i % syms.length]!, interval: '1h', limit: 500 }));
    for (let i = 0; i < 499; i++) calls.push(c.openInterest(syms[i % syms.length]!));
    await Promise.all(calls);
    expect(s.stats()).toMatchObject({ rejected429: 0, banned418: 0 });
    expect(b.snapshot()).toMatchObject({ rejected429: 0, banned418: 0 });
    // 5,000 weight at 270 usable per window needs at least 18 windows
    expect(Date.now() - t0).toBeGreaterThanOrEqual(17 * WINDOW_MS);
  });

  it('two processes sharing one Redis get zero 429s together', async () => {
    const s = await sim({ weightLimitPerMin: 300, clock: fastClock() });
    const id = `sim-pair-${randomUUID()}`;
    const a = budget({ limitPerMin: 300, windowMs: WINDOW_MS, redisUrl: REDIS_URL, keyPrefix: prefix, id });
    const b = budget({ limitPerMin: 300, windowMs: WINDOW_MS, redisUrl: REDIS_URL, keyPrefix: prefix, id });
    const ca = rest(s, a, 'oi-poller');
    const cb = rest(s, b, 'universe-job');
    const syms = await symbols(ca);
    const calls: Promise<unknown>[] = [];
    // 1,550 weight from two processes: ≥ 5 windows of 270
    for (let i = 0; i < 150; i++) calls.push(ca.openInterest(syms[i % syms.length]!));
    for (let i = 0; i < 15; i++) calls.push(ca.ticker24hr());
    for (let i = 0; i < 15; i++) calls.push(cb.ticker24hr());
    for (let i = 0; i < 20; i++) calls.push(cb.premiumIndex());
    const t0 = Date.now();
    await Promise.all(calls);
    expect(s.stats()).toMatchObject({ rejected429: 0, banned418: 0 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4 * WINDOW_MS);
  });
});

describe('error policy against the sim', () => {
  it('429 with Retry-After pauses the budget for that long, then the request succeeds', async () => {
    const s = await sim();
    const b = budget();
    const c = rest(s, b);
    await control(s, '/__sim/faults', { path: '/fapi/v1/openInterest', status: 429, retryAfterSec: 1 });
    const t0 = Date.now();
    await expect(c.openInterest('BTCUSDT')).resolves.toMatchObject({ symbol: 'BTCUSDT' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(s.stats().requests['/fapi/v1/openInterest']).toBe(2);
    expect(b.snapshot().rejected429).toBe(1);
  });

  it('418: no further request reaches the sim until the ban ends', async () => {
    const s = await sim();
    const b = budget();
    const c = rest(s, b);
    await control(s, '/__sim/faults', { path: '/fapi/v1/openInterest', status: 418, banMs: 1500 });
    await expect(c.openInterest('BTCUSDT')).rejects.toMatchObject({ code: 'BINANCE_IP_BANNED', status: 418 });
    const seen = s.stats().requests;
    for (const call of [
      () => c.openInterest('ETHUSDT'),
      () => c.ticker24hr(),
      () => c.withComponent('funding').premiumIndex(),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'BINANCE_IP_BANNED' });
    }
    expect(s.stats().requests).toEqual(seen);
    const until = b.pausedUntil();
    expect(until).not.toBeNull();
    await new Promise((r) => setTimeout(r, until! - Date.now() + 20));
    await expect(c.openInterest('BTCUSDT')).resolves.toMatchObject({ symbol: 'BTCUSDT' });
  });

  it('503 and dropped connections are retried with backoff', async () => {
    const s = await sim();
    const c = rest(s, budget());
    await control(s, '/__sim/faults', { path: '/fapi/v1/openInterest', status: 503, count: 1 });
    await control(s, '/__sim/faults', { path: '/fapi/v1/openInterest', status: 0, count: 1 });
    await expect(c.openInterest('BTCUSDT')).resolves.toMatchObject({ symbol: 'BTCUSDT' });
    expect(s.stats().requests['/fapi/v1/openInterest']).toBe(3);
  });

  it('400 bad symbol → typed error, no retry', async () => {
    const s = await sim();
    const c = rest(s, budget());
    await expect(c.openInterest('NOSUCHUSDT')).rejects.toMatchObject({
      code: 'BINANCE_BAD_REQUEST',
      status: 400,
      binanceCode: -1121,
    });
    expect(s.stats().requests['/fapi/v1/openInterest']).toBe(1);
  });

  it.each(['truncated', 'html', 'missing-fields'])(
    'malformed response (%s) → BINANCE_INVALID_RESPONSE',
    async (kind) => {
      const s = await sim();
      const c = rest(s, budget());
      await control(s, '/__sim/faults', { path: '/fapi/v1/ticker/24hr', status: 200, body: kind });
      await expect(c.ticker24hr()).rejects.toMatchObject({ code: 'BINANCE_INVALID_RESPONSE' });
    },
  );
});

describe('WebSocket against the sim', () => {
  async function ws(
    s: Sim,
    opts: Partial<ConstructorParameters<typeof BinanceWsClient>[0]> = {},
  ): Promise<{ c: BinanceWsClient; got: () => number }> {
    const c = new BinanceWsClient({
      baseUrl: s.wsUrl,
      streams: ['!markPrice@arr@1s'],
      logger: silentLogger(),
      reconnectBaseMs: 50,
      reconnectMaxMs: 300,
      ...opts,
    });
    cleanups.push(() => c.stop());
    let n = 0;
    c.on('markPrice', (items: MarkPriceUpdate[]) => (n += items.length > 0 ? 1 : 0));
    c.start();
    await expect.poll(() => n, { timeout: 5000 }).toBeGreaterThan(0);
    return { c, got: () => n };
  }

  it('is back and receiving within a few seconds after /__sim/ws/drop', async () => {
    const s = await sim({ markPrice1sIntervalMs: 100 });
    const { c, got } = await ws(s);
    await control(s, '/__sim/ws/drop', {});
    await expect.poll(() => c.stats().reconnects, { timeout: 3000 }).toBe(1);
    const after = got();
    await expect.poll(() => got(), { timeout: 3000 }).toBeGreaterThan(after);
  });

  it('detects a silent connection and replaces it', async () => {
    const s = await sim({ markPrice1sIntervalMs: 100 });
    const { c, got } = await ws(s, { silenceTimeoutMs: 400 });
    await control(s, '/__sim/ws/silence', { ms: 1200 });
    await expect.poll(() => c.stats().reconnects, { timeout: 3000 }).toBeGreaterThanOrEqual(1);
    const after = got();
    await expect.poll(() => got(), { timeout: 5000 }).toBeGreaterThan(after);
    expect(c.connected()).toBe(true);
  });
});
