// One symbol format on every route that takes a symbol (SYMBOL_INPUT_RE in @volspike/contracts): a bad one is a
// 400 naming the field, never a query with it.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_KEY, createTestApp, userWithToken, type TestApp } from './app-helpers.js';

let t: TestApp;
let bearer: string;
beforeAll(async () => {
  t = await createTestApp();
  bearer = (await userWithToken(t, 'elite')).bearer;
});
afterAll(async () => {
  await t.close();
});

const BAD = ['BTC USDT', 'btc.usdt', "x'; DROP TABLE users;--", 'ÄBC', 'A'.repeat(41)];

describe('symbol format', () => {
  it.each(BAD)('refuses %j on the user and query routes with 400', async (bad) => {
    const q = encodeURIComponent(bad);
    const checks = [
      request(t.app).post('/api/user-alerts').set('Authorization', bearer).send({
        symbol: bad,
        alertType: 'PRICE_CROSS',
        threshold: 1,
      }),
      request(t.app).post('/api/volume-alerts/subscriptions').set('Authorization', bearer).send({ symbol: bad }),
      request(t.app).delete(`/api/volume-alerts/subscriptions/${q}`).set('Authorization', bearer),
      request(t.app).get(`/api/user-alerts?symbol=${q}`).set('Authorization', bearer),
      request(t.app).get(`/api/volume-alerts?symbol=${q}`),
      request(t.app).get(`/api/open-interest-alerts?symbol=${q}`).set('Authorization', bearer),
      request(t.app).get(`/api/market/open-interest/samples?symbol=${q}`),
      request(t.app).get(`/api/market/open-interest/latest?symbols=BTCUSDT,${q}`),
      request(t.app)
        .get(`/api/market/open-interest/snapshot?symbol=${q}&ts=2025-01-01T00:00:00Z`)
        .set('X-API-Key', INGEST_KEY),
    ];
    for (const [i, r] of (await Promise.all(checks)).entries()) {
      expect(r.status, `check ${i}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.message).toMatch(/symbol/);
    }
  });

  it.each(BAD)('refuses %j on the ingest routes with 400', async (bad) => {
    const post = (path: string, body: unknown) =>
      request(t.app)
        .post(path)
        .set('X-API-Key', INGEST_KEY)
        .send(body as object);
    const volume = await post('/api/volume-alerts/ingest', {
      symbol: bad,
      asset: 'BTC',
      currentVolume: 2,
      previousVolume: 1,
      volumeRatio: 2,
      message: 'm',
      timestamp: '2025-03-01T10:00:00Z',
      hourTimestamp: '2025-03-01T10:00:00Z',
    });
    const oi = await post('/api/market/open-interest/ingest', { data: [{ symbol: bad, openInterest: 1 }] });
    for (const [i, r] of [volume, oi].entries()) {
      expect(r.status, `check ${i}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.message).toMatch(/symbol/);
    }
  });

  it('accepts the legacy spellings', async () => {
    for (const s of ['BTCUSDT', 'btcusdt', 'btc_usdt', 'BTC-USDT', '1000PEPEUSDT'])
      expect((await request(t.app).get(`/api/volume-alerts?symbol=${s}`)).status).toBe(200);
  });
});
