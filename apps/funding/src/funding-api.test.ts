import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createMetrics } from '@volspike/runtime';
import { FundingApi, fundingHealth } from './funding-api.js';
import { FundingStore } from './funding-store.js';
import type { FundingStreamStats } from './funding-stream.js';

const logger = createLogger({ name: 'funding-api-test', level: 'silent' });
const ws = (over: Partial<FundingStreamStats> = {}): FundingStreamStats => ({
  connected: true,
  messages: 10,
  reconnects: 0,
  lastMessageAt: 0,
  lastConnectedAt: 1_000,
  disconnectedSince: null,
  messagesPerMin: 10,
  ...over,
});
const rec = (symbol: string) => ({
  symbol,
  markPrice: 1,
  indexPrice: 1,
  fundingRate: 0.0001,
  nextFundingTime: 5,
  eventTime: 0,
});

describe('fundingHealth', () => {
  it('is healthy with one stale symbol among fresh ones (median, not the oldest)', () => {
    const store = new FundingStore();
    store.apply([rec('DELISTED')], 0);
    store.apply([rec('A'), rec('B'), rec('C')], 999_000);
    const h = fundingHealth(store, ws(), { staleSec: 180, startedAt: 0, now: 1_000_000 });
    expect(h.ok).toBe(true);
    expect(h.body).toMatchObject({
      status: 'healthy',
      symbolCount: 4,
      oldestDataAgeSeconds: 1000,
      medianDataAgeSeconds: 1,
      staleSymbolCount: 1,
      lastConnectedTime: 1,
    });
  });

  it('is unhealthy when most data is stale, when disconnected, or when empty', () => {
    const store = new FundingStore();
    expect(fundingHealth(store, ws(), { staleSec: 180, startedAt: 0, now: 1 }).body['error']).toBe('No data');
    store.apply([rec('A'), rec('B')], 0);
    const stale = fundingHealth(store, ws(), { staleSec: 180, startedAt: 0, now: 200_000 });
    expect(stale).toMatchObject({ ok: false, body: { status: 'unhealthy', error: 'Data stale' } });
    const down = fundingHealth(store, ws({ connected: false, disconnectedSince: 1000 }), {
      staleSec: 180,
      startedAt: 0,
      now: 3000,
    });
    expect(down).toMatchObject({
      ok: false,
      body: { error: 'WebSocket disconnected', websocketConnected: false, disconnectedForSeconds: 2 },
    });
  });
});

describe('FundingApi', () => {
  let api: FundingApi | null = null;
  afterEach(async () => {
    await api?.close();
  });

  it('serves a record missing optional fields with nulls (never 500) and upper-cases the symbol', async () => {
    const store = new FundingStore();
    store.apply(
      [{ symbol: 'XUSDT', markPrice: 2.5, indexPrice: null, fundingRate: null, nextFundingTime: null, eventTime: 0 }],
      10_000,
    );
    api = new FundingApi({
      store,
      staleSec: 180,
      health: () => ({ ok: true, body: {} }),
      registry: createMetrics(),
      logger,
      now: () => 11_500,
    });
    const port = await api.listen(0, '127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${port}/funding/xusdt`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      symbol: 'XUSDT',
      markPrice: 2.5,
      fundingRate: null,
      nextFundingTime: null,
      indexPrice: null,
      updatedAt: 10,
      ageSeconds: 1.5,
    });
    const all = await (await fetch(`http://127.0.0.1:${port}/funding`)).json();
    expect(all).toMatchObject({ count: 1, staleCount: 0, updatedAt: 11.5 });
    expect((await fetch(`http://127.0.0.1:${port}/funding`, { method: 'POST' })).status).toBe(405);
  });
});
