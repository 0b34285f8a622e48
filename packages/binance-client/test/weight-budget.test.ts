// WeightBudget against a Binance-like server on port 0 with short weight windows (pacing in seconds),
// in-process and clustered through the real Redis.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BinanceRestClient, WeightBudget } from '../src/index.js';
import { silentLogger, startFakeBinance, type FakeBinance } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:bc:${randomUUID()}:`;
let redis: Redis;
const budgets: WeightBudget[] = [];
const servers: FakeBinance[] = [];

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterEach(async () => {
  await Promise.all(budgets.splice(0).map((b) => b.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  const keys = [...(await redis.keys(`${prefix}*`)), ...(await redis.keys(`b_${prefix}*`))];
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

/** These tests use real one-minute windows: don't start one in the last seconds of a minute. */
async function avoidMinuteEnd(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5000) await new Promise((r) => setTimeout(r, left + 50));
}
function budget(opts: Partial<ConstructorParameters<typeof WeightBudget>[0]> = {}): WeightBudget {
  const b = new WeightBudget({ logger: silentLogger(), shares: {}, ...opts });
  budgets.push(b);
  return b;
}
async function server(opts: Parameters<typeof startFakeBinance>[0] = {}): Promise<FakeBinance> {
  const s = await startFakeBinance(opts);
  servers.push(s);
  return s;
}
function client(s: FakeBinance, b: WeightBudget, component = 'test'): BinanceRestClient {
  return new BinanceRestClient({
    baseUrl: s.url,
    budget: b,
    component,
    logger: silentLogger(),
    retryBaseMs: 10,
    retryMaxMs: 100,
  });
}

// The 5,000-weight and two-process acceptance tests run against the sim: test/sim-acceptance.test.ts.
describe('WeightBudget reconcile', () => {
  it('shrinks the window when the server reports weight used by someone else on the IP', async () => {
    const windowMs = 1000;
    const s = await server({ limit: 100, windowMs });
    const b = budget({ limitPerMin: 100, windowMs });
    // another process on the same IP has already used 80 of 100 this window
    s.preload(80);
    const calls = Array.from({ length: 60 }, () => client(s, b).openInterest('BTCUSDT'));
    await Promise.all(calls);
    expect(s.rejected429).toBe(0);
  });
});

describe('WeightBudget restarts', () => {
  it('a fresh in-process budget starts with a small reservoir until the server header is known', async () => {
    await avoidMinuteEnd();
    const s = await server({ limit: 300, windowMs: 60_000 });
    s.preload(250); // the previous process used 250 this minute, then restarted
    const b = budget({ limitPerMin: 300 });
    const c = client(s, b);
    const calls = Array.from({ length: 100 }, () => c.openInterest('BTCUSDT').catch((e: unknown) => e));
    await expect.poll(() => s.total()).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(s.rejected429).toBe(0);
    expect(s.total()).toBeLessThanOrEqual(20); // 270 usable − 250 used by the server's count
    await b.stop();
    await Promise.all(calls);
  });

  it('a server that sends no used-weight header does not keep the budget on its start-up reservoir', async () => {
    await avoidMinuteEnd();
    const s = await server({ usedWeightHeader: false });
    const b = budget(); // 2160 usable, start-up reservoir 108
    const c = client(s, b);
    await Promise.all([c.ticker24hr(), c.ticker24hr(), c.ticker24hr(), c.ticker24hr()]); // 160 weight
    expect(s.total()).toBe(4);
  });

  it('a clustered budget resumes from the shared state instead of a full reservoir', async () => {
    await avoidMinuteEnd();
    const s = await server({ limit: 300, windowMs: 60_000 });
    const id = `restart-${randomUUID()}`;
    const first = budget({ limitPerMin: 300, redisUrl: REDIS_URL, keyPrefix: prefix, id });
    const c1 = client(s, first);
    await Promise.all(Array.from({ length: 200 }, () => c1.openInterest('BTCUSDT')));
    await first.stop();
    const second = budget({ limitPerMin: 300, redisUrl: REDIS_URL, keyPrefix: prefix, id });
    const c2 = client(s, second);
    const before = s.total();
    const calls = Array.from({ length: 200 }, () => c2.openInterest('BTCUSDT').catch((e: unknown) => e));
    await new Promise((r) => setTimeout(r, 800));
    expect(s.total() - before).toBeLessThanOrEqual(70);
    expect(s.rejected429).toBe(0);
    await second.stop();
    await Promise.all(calls);
  });
});

describe('WeightBudget when Redis loses its data', () => {
  it('keeps scheduling after the shared keys vanish (Redis restarted without persistence), on the small start-up reservoir', async () => {
    await avoidMinuteEnd();
    const s = await server({ limit: 300, windowMs: 60_000 });
    const id = `lost-${randomUUID()}`;
    const b = budget({ limitPerMin: 300, redisUrl: REDIS_URL, keyPrefix: prefix, id }); // 270 usable, probe 14
    const c = client(s, b);
    await Promise.all(Array.from({ length: 10 }, () => c.openInterest('BTCUSDT')));
    // what an empty Redis looks like to the budget: its window and Bottleneck's settings/clients are gone
    const keys = [...(await redis.keys(`${prefix}budget:${id}*`)), ...(await redis.keys(`b_${prefix}budget:${id}_*`))];
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    const before = s.total();
    const calls = Array.from({ length: 40 }, () => c.openInterest('BTCUSDT').catch((e: unknown) => e));
    await expect.poll(() => s.total() - before, { timeout: 5000 }).toBeGreaterThanOrEqual(10);
    await new Promise((r) => setTimeout(r, 500));
    // Bottleneck re-created its settings (Redis 7 sends its sentinel as "ERR SETTINGS_KEY_NOT_FOUND") and the
    // budget starts over on the probe reservoir instead of a full one: no burst, no 429
    expect(s.total() - before).toBeLessThanOrEqual(14);
    expect(s.rejected429).toBe(0);
    await b.stop();
    const results = await Promise.all(calls);
    expect(
      results.filter((r) => r instanceof Error && /SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT/.test(r.message)),
    ).toHaveLength(0);
  });
});

describe('WeightBudget shares', () => {
  it('the OI poller may plan on what the others leave', () => {
    const b = budget({
      limitPerMin: 2400,
      shares: {
        'oi-poller': { priority: 1 },
        'universe-job': { reservePerMin: 60 },
        'volume-alerts': { reservePerMin: 100 },
      },
    });
    expect(b.usablePerMin()).toBe(2160);
    expect(b.availableFor('oi-poller')).toBe(2000);
    expect(b.availableFor('universe-job')).toBe(2060);
  });

  it('the snapshot shows the budget’s own window beside the sliding sum, so a boundary is not read as a breach', async () => {
    const windowMs = 2000;
    const s = await server({ limit: 1000, windowMs });
    const b = budget({ limitPerMin: 1000, windowMs });
    const c = client(s, b);
    const phase = (): number => Date.now() % windowMs;
    await expect.poll(() => phase() >= 1000 && phase() < 1400, { timeout: 5000, interval: 5 }).toBe(true);
    for (let i = 0; i < 3; i++) await c.openInterest('BTCUSDT');
    await expect.poll(() => phase() < 500, { timeout: 5000, interval: 5 }).toBe(true);
    for (let i = 0; i < 2; i++) await c.openInterest('BTCUSDT');
    const snap = b.snapshot();
    expect(snap.usedLastMinute).toBe(5); // the sliding window still holds the previous window's three
    expect(snap.window).toEqual({ startedAt: Math.floor(snap.at / windowMs) * windowMs, lengthMs: windowMs, used: 2 });
    expect(snap.byComponent.test).toMatchObject({ usedLastMinute: 5, usedThisWindow: 2 });
  });

  it('a component never exceeds its maxPerMin even when the budget has room', async () => {
    const s = await server();
    const b = budget({ shares: { capped: { maxPerMin: 10 } } });
    const c = client(s, b, 'capped');
    const calls = Array.from({ length: 20 }, () => c.openInterest('BTCUSDT').catch((e: unknown) => e));
    await expect.poll(() => s.total(), { timeout: 5000 }).toBe(10);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.total()).toBe(10); // the other 10 wait for the window to slide
    expect(b.snapshot().byComponent.capped).toMatchObject({ usedLastMinute: 10, queued: 10 });
    await b.stop();
    await Promise.all(calls);
  });

  it('a clustered snapshot shows what other processes spent', async () => {
    const s = await server();
    const id = `snap-${randomUUID()}`;
    const a = budget({ redisUrl: REDIS_URL, keyPrefix: prefix, id, syncIntervalMs: 50 });
    const other = budget({ redisUrl: REDIS_URL, keyPrefix: prefix, id, syncIntervalMs: 50 });
    await client(s, a, 'universe-job').ticker24hr();
    await expect.poll(() => other.snapshot().byComponent['universe-job']?.usedLastMinute, { timeout: 3000 }).toBe(40);
  });
});
