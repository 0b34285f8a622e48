import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { WeightBudget } from '@volspike/binance-client';
import { startSim } from '@volspike/binance-sim';
import type { Sim } from '@volspike/binance-sim';
import { createBus, createLogger, createMetrics } from '@volspike/runtime';
import type { Bus } from '@volspike/runtime';
import { loadAppEnv, start } from '../src/index.js';
import type { ProxyHandle } from '../src/index.js';

const EXCHANGE_INFO = '/fapi/v1/exchangeInfo';
const logger = createLogger({ name: 'binance-proxy-test', level: 'silent' });
const agent = new Agent({ connections: 64 });

let sim: Sim;
let bus: Bus;
let budget: WeightBudget;
const running: ProxyHandle[] = [];

async function startProxy(over: Record<string, string> = {}): Promise<ProxyHandle> {
  const env = loadAppEnv({
    BINANCE_REST_URL: sim.url,
    BINANCE_PROXY_PORT: '0',
    BINANCE_PROXY_HOST: '127.0.0.1',
    EXCHANGE_INFO_REFRESH_MS: '60000',
    ...over,
  });
  const handle = await start(env, { logger, bus, budget, dataDir: '/tmp', metrics: createMetrics() });
  running.push(handle);
  return handle;
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers, dispatcher: agent });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

async function fault(path: string, status: number, count: number): Promise<void> {
  const res = await request(`${sim.url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path, status, count }),
  });
  await res.body.text();
  expect(res.statusCode).toBeLessThan(300);
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const upstreamCalls = (): number => sim.stats().requests[EXCHANGE_INFO] ?? 0;

beforeAll(async () => {
  sim = await startSim({ port: 0, symbols: 60, seed: 7 });
  bus = createBus({ logger });
  budget = new WeightBudget({ logger });
});

afterEach(async () => {
  while (running.length) await running.pop()?.stop();
  sim.reset();
});

afterAll(async () => {
  await budget.stop();
  await bus.close();
  await sim.close();
  await agent.close();
});

describe('GET /api/binance/futures/info', () => {
  it('serves a thousand concurrent callers from one upstream request', async () => {
    const proxy = await startProxy();
    const results = await Promise.all(Array.from({ length: 1000 }, () => get(`${proxy.url}/api/binance/futures/info`)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.text)).size).toBe(1);
    const body = JSON.parse(results[0]!.text) as { symbols: unknown[] };
    expect(body.symbols.length).toBe(sim.market.symbols().length);
    expect(upstreamCalls()).toBe(1);
  });

  it('answers 304 to a matching If-None-Match and sends caching headers', async () => {
    const proxy = await startProxy({ EXCHANGE_INFO_REFRESH_MS: '30000' });
    const first = await get(`${proxy.url}/api/binance/futures/info`);
    expect(first.status).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^".+"$/);
    expect(first.headers['cache-control']).toBe('public, max-age=30');
    expect(Number(first.headers['x-data-age'])).toBeGreaterThanOrEqual(0);
    const second = await get(`${proxy.url}/api/binance/futures/info`, { 'if-none-match': etag });
    expect(second.status).toBe(304);
    expect(second.text).toBe('');
    const other = await get(`${proxy.url}/api/binance/futures/info`, { 'if-none-match': '"something-else"' });
    expect(other.status).toBe(200);
    expect(upstreamCalls()).toBe(1);
  });

  it('keeps serving the last good copy while Binance fails, and /health says stale', async () => {
    const proxy = await startProxy({ EXCHANGE_INFO_REFRESH_MS: '200' });
    const good = await get(`${proxy.url}/api/binance/futures/info`);
    expect(good.status).toBe(200);
    await fault(EXCHANGE_INFO, 500, 100_000);
    await until(
      async () =>
        (JSON.parse((await get(`${proxy.url}/health`)).text) as { cache: { consecutiveFailures: number } }).cache
          .consecutiveFailures > 0,
    );

    const served = await get(`${proxy.url}/api/binance/futures/info`);
    expect(served.status).toBe(200);
    expect(served.text).toBe(good.text);
    expect(served.headers['x-data-state']).toBe('stale');
    expect(served.headers['x-data-age']).toBeDefined();
    const health = await get(`${proxy.url}/health`);
    expect(health.status).toBe(200);
    const body = JSON.parse(health.text) as {
      status: string;
      service: string;
      timestamp: string;
      cache: { consecutiveFailures: number; lastError: string };
    };
    expect(body).toMatchObject({ status: 'stale', service: 'binance-proxy' });
    expect(body.cache.consecutiveFailures).toBeGreaterThan(0);
  });

  it('answers 503 in the legacy error shape when it has never had a copy', async () => {
    await fault(EXCHANGE_INFO, 503, 100_000);
    const proxy = await startProxy();
    const res = await get(`${proxy.url}/api/binance/futures/info`);
    expect(res.status).toBe(503);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body.error).toBe('Failed to fetch from Binance');
    expect(typeof body.message).toBe('string');
    expect(Number.isNaN(Date.parse(String(body.timestamp)))).toBe(false);
    const health = await get(`${proxy.url}/health`);
    expect(health.status).toBe(503);
    expect(JSON.parse(health.text)).toMatchObject({ status: 'degraded', service: 'binance-proxy' });
  });
});

describe('GET /api/binance/futures/usdt-perpetuals', () => {
  it('lists exactly the TRADING USDT-margined perpetuals of the exchange', async () => {
    const proxy = await startProxy();
    const res = await get(`${proxy.url}/api/binance/futures/usdt-perpetuals`);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as {
      updatedAt: string;
      count: number;
      symbols: { symbol: string; baseAsset: string; contractType: string; onboardDate: number | null }[];
    };
    const expected = sim.market
      .symbols()
      .filter((s) => s.usdtPerpetual)
      .map((s) => s.symbol)
      .sort();
    expect(body.symbols.map((s) => s.symbol).sort()).toEqual(expected);
    expect(body.count).toBe(expected.length);
    expect(body.symbols.every((s) => s.contractType === 'PERPETUAL')).toBe(true);
    const rejected = sim.market
      .symbols()
      .filter((s) => !s.usdtPerpetual)
      .map((s) => s.symbol);
    expect(rejected.length).toBeGreaterThan(0);
    expect(body.symbols.some((s) => rejected.includes(s.symbol))).toBe(false);
  });

  it('includes TradFi perpetuals only when INCLUDE_TRADIFI is set', async () => {
    const tradfi = sim.market
      .symbols()
      .filter((s) => s.contractType === 'TRADIFI_PERPETUAL' && s.status === 'TRADING' && s.quoteAsset === 'USDT');
    expect(tradfi.length).toBeGreaterThan(0);
    const proxy = await startProxy({ INCLUDE_TRADIFI: 'true' });
    const body = JSON.parse((await get(`${proxy.url}/api/binance/futures/usdt-perpetuals`)).text) as {
      symbols: { symbol: string }[];
    };
    const listed = new Set(body.symbols.map((s) => s.symbol));
    expect(tradfi.every((s) => listed.has(s.symbol))).toBe(true);
  });
});

describe('CORS', () => {
  it('echoes only listed origins, with credentials', async () => {
    const proxy = await startProxy({ ALLOWED_ORIGINS: 'https://volspike.com, https://app.volspike.com' });
    const ok = await get(`${proxy.url}/api/binance/futures/info`, { origin: 'https://app.volspike.com' });
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.volspike.com');
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    expect(String(ok.headers.vary)).toMatch(/Origin/);
    const denied = await get(`${proxy.url}/api/binance/futures/info`, { origin: 'https://evil.example' });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(`${proxy.url}/api/binance/futures/info`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://volspike.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'if-none-match',
      },
    });
    await preflight.body.text();
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://volspike.com');
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('GET');
  });

  it('uses a wildcard without credentials when no origins are configured', async () => {
    const proxy = await startProxy();
    const res = await get(`${proxy.url}/health`, { origin: 'https://anywhere.example' });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
