import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BinanceError } from './errors.js';
import { filterUsdtPerpetuals } from './exchange-symbols.js';
import { BinanceRestClient } from './rest-client.js';
import { WeightBudget } from './weight-budget.js';
import { silentLogger, startFakeBinance, type FakeBinance } from '../test/helpers.js';

let fake: FakeBinance;
let budget: WeightBudget;
let client: BinanceRestClient;

beforeAll(async () => {
  fake = await startFakeBinance();
});
afterAll(async () => {
  await fake.close();
});

function makeClient(): void {
  budget = new WeightBudget({ logger: silentLogger(), shares: {} });
  client = new BinanceRestClient({
    baseUrl: fake.url,
    budget,
    component: 'test',
    logger: silentLogger(),
    retryBaseMs: 10,
    retryMaxMs: 50,
    timeoutMs: 2000,
  });
}

afterEach(async () => {
  await budget.stop();
  fake.faults.clear();
  fake.bodies.clear();
  fake.hits.clear();
});

describe('BinanceRestClient endpoints', () => {
  it('parses every endpoint into numbers', async () => {
    makeClient();
    const info = await client.exchangeInfo();
    expect(filterUsdtPerpetuals(info).map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'FOOUSDT']);
    expect(filterUsdtPerpetuals(info, { includeTradFi: true }).map((s) => s.symbol)).toContain('XAUUSDT');
    const all = await client.ticker24hr();
    expect(all).toHaveLength(3);
    expect(all[0]).toMatchObject({
      symbol: 'BTCUSDT',
      quoteVolume: 50380012.55,
      lastPrice: 0.515,
      priceChangePercent: 2.45,
    });
    expect((await client.ticker24hr('ETHUSDT')).symbol).toBe('ETHUSDT');
    expect(await client.openInterest('BTCUSDT')).toMatchObject({ symbol: 'BTCUSDT', openInterest: 10659.509 });
    const kl = await client.klines({ symbol: 'BTCUSDT', interval: '1h', limit: 3 });
    expect(kl[0]).toEqual({
      openTime: 1767222000000,
      open: 0.51,
      high: 0.518,
      low: 0.509,
      close: 0.515,
      volume: 1834500,
      closeTime: 1767225599999,
      quoteVolume: 943822.17,
      trades: 8123,
    });
    const prem = await client.premiumIndex();
    expect(prem.at(-1)).toMatchObject({ symbol: 'BTCUSDT_261225', lastFundingRate: null, nextFundingTime: null });
    expect((await client.premiumIndex('BTCUSDT')).lastFundingRate).toBe(0.0001);
    expect((await client.tickerPrice('BTCUSDT')).price).toBe(0.515);
    expect(await client.tickerPrice()).toHaveLength(3);
    const hist = await client.openInterestHist({ symbol: 'BTCUSDT', period: '5m', limit: 12 });
    expect(hist[0]).toMatchObject({
      sumOpenInterest: 10650.123,
      sumOpenInterestValue: 5484312.772,
      timestamp: 1767225300000,
    });
    const raw = await client.exchangeInfoRaw();
    expect(JSON.parse(raw.body)).toEqual(raw.json);
  });

  it('accounts weight per component in the snapshot', async () => {
    makeClient();
    await client.ticker24hr();
    await client.withComponent('other').openInterest('BTCUSDT');
    const snap = budget.snapshot();
    expect(snap.byComponent.test).toMatchObject({ usedLastMinute: 40, requestsLastMinute: 1 });
    expect(snap.byComponent.other).toMatchObject({ usedLastMinute: 1, requestsLastMinute: 1 });
    expect(snap.usedLastMinute).toBe(41);
    expect(snap.serverUsedWeight1m).not.toBeNull();
  });
});

describe('BinanceRestClient error policy', () => {
  it('400 bad symbol is a typed error and is not retried', async () => {
    makeClient();
    const err = await client.openInterest('BADUSDT').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinanceError);
    expect(err).toMatchObject({ code: 'BINANCE_BAD_REQUEST', status: 400, binanceCode: -1121 });
    expect(fake.hits.get('/fapi/v1/openInterest')).toBe(1);
  });

  it('retries 503 and dropped connections, then succeeds', async () => {
    makeClient();
    fake.faults.set('/fapi/v1/openInterest', [{ status: 503, body: 'Service Unavailable.' }, { drop: true }]);
    await expect(client.openInterest('BTCUSDT')).resolves.toMatchObject({ openInterest: 10659.509 });
    expect(fake.hits.get('/fapi/v1/openInterest')).toBe(3);
  });

  it('gives up after maxRetries with the last error', async () => {
    makeClient();
    fake.faults.set(
      '/fapi/v1/openInterest',
      Array.from({ length: 5 }, () => ({ status: 500 })),
    );
    await expect(client.openInterest('BTCUSDT')).rejects.toMatchObject({ code: 'BINANCE_SERVER_ERROR', status: 500 });
    expect(fake.hits.get('/fapi/v1/openInterest')).toBe(4); // 1 + maxRetries (3)
  });

  it('a response slower than timeoutMs is a BINANCE_TIMEOUT', async () => {
    budget = new WeightBudget({ logger: silentLogger(), shares: {} });
    client = new BinanceRestClient({
      baseUrl: fake.url,
      budget,
      component: 't',
      logger: silentLogger(),
      timeoutMs: 100,
      maxRetries: 0,
    });
    fake.faults.set('/fapi/v1/openInterest', [{ delayMs: 400 }]);
    await expect(client.openInterest('BTCUSDT')).rejects.toMatchObject({ code: 'BINANCE_TIMEOUT' });
  });

  it.each([
    ['truncated JSON', '/fapi/v1/ticker/24hr', '[{"symbol":"BTCUSDT","lastPrice":"1.0"'],
    ['HTML error page', '/fapi/v1/ticker/24hr', '<html><body>502 Bad Gateway</body></html>'],
    ['missing field', '/fapi/v1/openInterest', '{"symbol":"BTCUSDT","time":1767225601234}'],
    ['non-decimal string', '/fapi/v1/openInterest', '{"symbol":"BTCUSDT","openInterest":"n/a","time":1767225601234}'],
    ['object instead of array', '/fapi/v1/ticker/24hr', '{"symbol":"BTCUSDT"}'],
    ['empty body', '/fapi/v1/premiumIndex', ''],
  ])('%s → BINANCE_INVALID_RESPONSE, never an empty list or zero', async (_name, path, body) => {
    makeClient();
    fake.bodies.set(path, body);
    const call =
      path === '/fapi/v1/openInterest'
        ? client.openInterest('BTCUSDT')
        : path === '/fapi/v1/premiumIndex'
          ? client.premiumIndex()
          : client.ticker24hr();
    await expect(call).rejects.toMatchObject({ code: 'BINANCE_INVALID_RESPONSE' });
  });
});
