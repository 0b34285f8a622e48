// 429 and 418 handling: the whole budget pauses; a ban lets no request leave until it ends.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BinanceRestClient, WeightBudget } from '../src/index.js';
import { silentLogger, startFakeBinance, type FakeBinance } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:bc-faults:${randomUUID()}:`;
const budgets: WeightBudget[] = [];
const servers: FakeBinance[] = [];

afterEach(async () => {
  await Promise.all(budgets.splice(0).map((b) => b.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  const r = new Redis(REDIS_URL);
  const keys = [...(await r.keys(`${prefix}*`)), ...(await r.keys(`b_${prefix}*`))];
  if (keys.length) await r.del(...keys);
  await r.quit();
});

async function setup(
  opts: Partial<ConstructorParameters<typeof WeightBudget>[0]> = {},
): Promise<{ s: FakeBinance; b: WeightBudget; c: BinanceRestClient }> {
  const s = await startFakeBinance();
  servers.push(s);
  const b = new WeightBudget({ logger: silentLogger(), shares: {}, ...opts });
  budgets.push(b);
  const c = new BinanceRestClient({
    baseUrl: s.url,
    budget: b,
    component: 'oi-poller',
    logger: silentLogger(),
    retryBaseMs: 10,
    retryMaxMs: 50,
  });
  return { s, b, c };
}

describe('429', () => {
  it('pauses the whole budget for Retry-After, then the request succeeds', async () => {
    const { s, b, c } = await setup();
    s.faults.set('/fapi/v1/openInterest', [
      {
        status: 429,
        headers: { 'retry-after': '1' },
        body: JSON.stringify({ code: -1003, msg: 'Too much request weight used' }),
      },
    ]);
    const t0 = Date.now();
    const pending = c.openInterest('BTCUSDT');
    await expect.poll(() => b.pausedUntil()).not.toBeNull();
    // another component during the pause fails fast, and nothing reaches the server
    const other = c.withComponent('universe-job');
    await expect(other.ticker24hr()).rejects.toMatchObject({ code: 'BINANCE_PAUSED' });
    expect(s.hits.get('/fapi/v1/ticker/24hr')).toBeUndefined();
    await expect(pending).resolves.toMatchObject({ symbol: 'BTCUSDT' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(s.hits.get('/fapi/v1/openInterest')).toBe(2);
    expect(b.snapshot()).toMatchObject({ rejected429: 1, pausedUntil: null });
  });

  it('without Retry-After pauses until the next minute boundary', async () => {
    const { s, b, c } = await setup({ windowMs: 60_000 });
    s.faults.set('/fapi/v1/openInterest', [{ status: 429 }]);
    const c0 = new BinanceRestClient({
      baseUrl: s.url,
      budget: b,
      component: 'x',
      logger: silentLogger(),
      maxRetries: 0,
    });
    await expect(c0.openInterest('BTCUSDT')).rejects.toMatchObject({ code: 'BINANCE_RATE_LIMITED', status: 429 });
    const until = b.pausedUntil();
    expect(until).not.toBeNull();
    expect(until! % 60_000).toBe(0);
    await c.close();
  });
});

describe('418', () => {
  it('is never retried and no request reaches the server until the ban ends', async () => {
    const { s, b, c } = await setup();
    s.faults.set('/fapi/v1/openInterest', [
      {
        status: 418,
        headers: { 'retry-after': '1' },
        body: JSON.stringify({ code: -1003, msg: 'Way too much request weight used; IP banned until 1660090423228.' }),
      },
    ]);
    await expect(c.openInterest('BTCUSDT')).rejects.toMatchObject({ code: 'BINANCE_IP_BANNED', status: 418 });
    expect(s.total()).toBe(1);
    for (let i = 0; i < 5; i++) {
      await expect(c.premiumIndex()).rejects.toMatchObject({ code: 'BINANCE_IP_BANNED' });
    }
    expect(s.total()).toBe(1);
    expect(b.snapshot()).toMatchObject({ banned418: 1, pauseReason: '418' });
    await new Promise((r) => setTimeout(r, 1050));
    await expect(c.openInterest('BTCUSDT')).resolves.toMatchObject({ symbol: 'BTCUSDT' });
  });

  it('takes the ban end from the body when Retry-After is absent', async () => {
    const { s, b, c } = await setup();
    const end = Date.now() + 90_000;
    s.faults.set('/fapi/v1/openInterest', [
      {
        status: 418,
        body: JSON.stringify({
          code: -1003,
          msg: `Way too much request weight used; IP banned until ${end}. Please use WebSocket Streams.`,
        }),
      },
    ]);
    await expect(c.openInterest('BTCUSDT')).rejects.toMatchObject({ code: 'BINANCE_IP_BANNED' });
    expect(b.pausedUntil()).toBe(end);
  });

  it('stops every process sharing the budget through Redis', async () => {
    const id = `ban-${randomUUID()}`;
    const { s, c } = await setup({ redisUrl: REDIS_URL, keyPrefix: prefix, id });
    const other = new WeightBudget({ logger: silentLogger(), shares: {}, redisUrl: REDIS_URL, keyPrefix: prefix, id });
    budgets.push(other);
    const c2 = new BinanceRestClient({ baseUrl: s.url, budget: other, component: 'funding', logger: silentLogger() });
    await c2.openInterest('BTCUSDT'); // joined and working
    s.faults.set('/fapi/v1/openInterest', [{ status: 418, headers: { 'retry-after': '30' } }]);
    await expect(c.openInterest('BTCUSDT')).rejects.toMatchObject({ code: 'BINANCE_IP_BANNED' });
    const before = s.total();
    await expect(c2.openInterest('BTCUSDT')).rejects.toMatchObject({ code: 'BINANCE_IP_BANNED' });
    expect(s.total()).toBe(before);
    await expect.poll(() => other.snapshot().banned418).toBe(1);
  });
});
