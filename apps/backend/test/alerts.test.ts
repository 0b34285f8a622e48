import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INGEST_KEY, clearTables, createTestApp, userWithToken, type TestApp } from './app-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await clearTables(t.prisma, ['open_interest_alerts', 'oi_alert_states', 'volume_alerts', 'ingest_requests', 'users']);
  t.realtime.oiAlerts = [];
  t.realtime.volume = [];
  t.clock.now = Date.now();
});

const post = (path: string, body: unknown, key: string | null = INGEST_KEY) => {
  const r = request(t.app).post(path).set('Content-Type', 'application/json');
  if (key !== null) r.set('X-API-Key', key);
  return r.send(typeof body === 'string' ? body : JSON.stringify(body));
};

const oiAlert = {
  symbol: 'FOOUSDT',
  direction: 'UP',
  baseline: 1000000.0,
  current: 1042000.0,
  pctChange: 0.042,
  absChange: 42000.0,
  timestamp: '2025-03-01T10:05:03Z',
  source: 'oi_realtime_poller',
  timeframe: '5 min',
  priceChange: 0.0123,
  fundingRate: 0.0001,
};

describe('POST /api/open-interest-alerts/also-crossed (per-symbol cap)', () => {
  const crossing = (timeframe: string, ts: number) => ({
    symbol: 'FOOUSDT',
    direction: 'UP',
    alert: { timeframe: '5 min', timestamp: '2025-03-01T10:05:03Z' },
    crossing: { timeframe, ts, baseline: 1_000_000, current: 1_060_000, pctChange: 0.06, absChange: 60_000 },
  });
  const T2 = Date.UTC(2025, 2, 1, 10, 8, 3);

  it('appends the crossing to the sent alert once, marks its key OUTSIDE and broadcasts nothing', async () => {
    const sent = await post('/api/open-interest-alerts/ingest', { ...oiAlert, details: { thresholdPct: 3 } }).expect(
      200,
    );
    t.realtime.oiAlerts = [];
    const first = await post('/api/open-interest-alerts/also-crossed', crossing('15 min', T2)).expect(200);
    expect(first.body).toEqual({ success: true, id: sent.body.id, duplicate: false });
    const again = await post('/api/open-interest-alerts/also-crossed', crossing('15 min', T2)).expect(200);
    expect(again.body.duplicate).toBe(true);
    await post('/api/open-interest-alerts/also-crossed', crossing('1 hour', T2 + 60_000)).expect(200);
    const row = await t.prisma.openInterestAlert.findUniqueOrThrow({ where: { id: sent.body.id } });
    expect(row.details).toEqual({
      thresholdPct: 3,
      alsoCrossed: [crossing('15 min', T2).crossing, crossing('1 hour', T2 + 60_000).crossing],
    });
    const state = await t.prisma.oiAlertState.findUniqueOrThrow({
      where: { symbol_timeframe_direction: { symbol: 'FOOUSDT', timeframe: '15 min', direction: 'UP' } },
    });
    expect(state).toMatchObject({ state: 'OUTSIDE', lastAlertAt: null });
    expect(t.realtime.oiAlerts).toEqual([]);
    expect(await t.prisma.openInterestAlert.count()).toBe(1);
  });

  it('answers 404 for an alert it does not have and 400 for a crossing without numbers', async () => {
    const missing = await post('/api/open-interest-alerts/also-crossed', crossing('15 min', T2)).expect(404);
    expect(missing.body.error).toBe('Alert not found');
    const bad = await post('/api/open-interest-alerts/also-crossed', {
      ...crossing('15 min', T2),
      crossing: { timeframe: '15 min' },
    }).expect(400);
    expect(bad.body.message).toMatch(/crossing/);
  });

  it('needs the ingest key', async () => {
    await post('/api/open-interest-alerts/also-crossed', crossing('15 min', T2), null).expect(401);
  });
});

describe('POST /api/open-interest-alerts/ingest', () => {
  it('stores the legacy payload, records the alert state and broadcasts numbers', async () => {
    const res = await post('/api/open-interest-alerts/ingest', oiAlert).expect(200);
    expect(res.body).toEqual({ success: true, id: expect.any(String) });
    const state = await t.prisma.oiAlertState.findFirstOrThrow();
    expect(state).toMatchObject({ symbol: 'FOOUSDT', timeframe: '5 min', direction: 'UP', state: 'OUTSIDE' });
    expect(state.lastAlertAt?.toISOString()).toBe('2025-03-01T10:05:03.000Z');
    expect(t.realtime.oiAlerts).toEqual([
      {
        id: res.body.id,
        symbol: 'FOOUSDT',
        direction: 'UP',
        baseline: 1000000,
        current: 1042000,
        pctChange: 0.042,
        absChange: 42000,
        priceChange: 0.0123,
        fundingRate: 0.0001,
        timeframe: '5 min',
        source: 'oi_realtime_poller',
        ts: '2025-03-01T10:05:03.000Z',
        createdAt: expect.any(String),
      },
    ]);
  });

  it('keeps all 8 decimals of a funding rate and treats a retry as the same alert (no second broadcast)', async () => {
    const body = { ...oiAlert, fundingRate: 0.00012345 };
    const a = await post('/api/open-interest-alerts/ingest', body).expect(200);
    const b = await post('/api/open-interest-alerts/ingest', body).expect(200);
    expect(b.body).toEqual({ success: true, id: a.body.id, duplicate: true });
    expect(await t.prisma.openInterestAlert.count()).toBe(1);
    expect(t.realtime.oiAlerts).toHaveLength(1);
    expect((t.realtime.oiAlerts[0] as { fundingRate: number }).fundingRate).toBe(0.00012345);
  });

  it('accepts the alert without the optional priceChange / fundingRate (the poller omits unknowns)', async () => {
    const { priceChange: _p, fundingRate: _f, ...rest } = oiAlert;
    await post('/api/open-interest-alerts/ingest', rest).expect(200);
    const row = await t.prisma.openInterestAlert.findFirstOrThrow();
    expect([row.priceChange, row.fundingRate]).toEqual([null, null]);
  });

  it.each([
    ['an unknown direction', { ...oiAlert, direction: 'SIDEWAYS' }, 'direction'],
    ['a missing pctChange', { ...oiAlert, pctChange: undefined }, 'pctChange'],
    ['a missing timestamp', { ...oiAlert, timestamp: undefined }, 'timestamp'],
    ['a missing source', { ...oiAlert, source: undefined }, 'source'],
    ['a negative baseline', { ...oiAlert, baseline: -1 }, 'baseline'],
    ['a string current', { ...oiAlert, current: '5' }, 'current'],
  ])('rejects %s with 400 and writes nothing', async (_n, body, field) => {
    const res = await post('/api/open-interest-alerts/ingest', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(field);
    expect(await t.prisma.openInterestAlert.count()).toBe(0);
    expect(t.realtime.oiAlerts).toHaveLength(0);
  });

  it('rejects malformed JSON with 400', async () => {
    expect((await post('/api/open-interest-alerts/ingest', '{"symbol":')).status).toBe(400);
  });
});

describe('GET /api/open-interest-alerts (Bearer, pro/elite)', () => {
  beforeEach(async () => {
    for (let i = 0; i < 5; i++) {
      await post('/api/open-interest-alerts/ingest', {
        ...oiAlert,
        symbol: i % 2 ? 'BARUSDT' : 'FOOUSDT',
        timestamp: `2025-03-01T10:0${i}:00Z`,
      }).expect(200);
    }
  });

  it('needs a user with pro, elite or admin rights', async () => {
    expect((await request(t.app).get('/api/open-interest-alerts')).body).toEqual({ error: 'Authentication required' });
    const free = await userWithToken(t, 'free');
    const r = await request(t.app).get('/api/open-interest-alerts').set('Authorization', free.bearer);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error: 'Pro or Elite subscription required' });
    const admin = await userWithToken(t, 'free', { admin: true });
    expect((await request(t.app).get('/api/open-interest-alerts').set('Authorization', admin.bearer)).status).toBe(200);
    expect(
      (await request(t.app).get('/api/open-interest-alerts').set('Authorization', 'Bearer some-user-id')).status,
    ).toBe(401);
  });

  it('returns Decimals as strings, newest first, with a working offset', async () => {
    const pro = await userWithToken(t, 'pro');
    const page1 = await request(t.app)
      .get('/api/open-interest-alerts?limit=2')
      .set('Authorization', pro.bearer)
      .expect(200);
    expect(page1.body).toMatchObject({ count: 2, limit: 2, offset: 0 });
    expect(page1.body.alerts[0]).toMatchObject({
      ts: '2025-03-01T10:04:00.000Z',
      baseline: '1000000',
      pctChange: '0.042',
    });
    const page2 = await request(t.app)
      .get('/api/open-interest-alerts?limit=2&offset=2')
      .set('Authorization', pro.bearer)
      .expect(200);
    expect(page2.body.alerts.map((a: { ts: string }) => a.ts)).toEqual([
      '2025-03-01T10:02:00.000Z',
      '2025-03-01T10:01:00.000Z',
    ]);
    const bar = await request(t.app)
      .get('/api/open-interest-alerts?symbol=bar_usdt&limit=500')
      .set('Authorization', pro.bearer)
      .expect(200);
    expect(bar.body).toMatchObject({ count: 2, limit: 100 });
    const deep = await request(t.app)
      .get('/api/open-interest-alerts?offset=10001')
      .set('Authorization', pro.bearer)
      .expect(400);
    expect(deep.body.message).toContain('offset');
  });

  it('serves /recent with numbers (DEBUG_ACCESS=public here)', async () => {
    const r = await request(t.app).get('/api/open-interest-alerts/recent?symbol=FOOUSDT&limit=2').expect(200);
    expect(r.body.count).toBe(2);
    expect(r.body.alerts[0]).toMatchObject({ symbol: 'FOOUSDT', baseline: 1000000, ts: '2025-03-01T10:04:00.000Z' });
    expect((await request(t.app).get('/api/open-interest-alerts/recent?direction=LEFT')).status).toBe(400);
  });
});

const volumeAlert = {
  symbol: 'FOOUSDT',
  asset: 'FOO',
  currentVolume: 12500000.5,
  previousVolume: 3100000.0,
  volumeRatio: 4.03,
  price: 1.2345,
  fundingRate: 0.0001,
  candleDirection: 'bullish',
  message: 'FOO hourly volume 12.50M (4.03× prev) — VOLUME SPIKE!',
  timestamp: '2025-03-01T10:25:00Z',
  detectionTime: '2025-03-01T10:25:00Z',
  hourTimestamp: '2025-03-01T10:00:00Z',
  isUpdate: false,
  alertType: 'SPIKE',
  priceChange: 0.021,
};

describe('volume alerts', () => {
  it('stores the legacy payload and broadcasts the row', async () => {
    const res = await post('/api/volume-alerts/ingest', volumeAlert).expect(200);
    expect(res.body).toEqual({ success: true, alertId: expect.any(String) });
    const row = await t.prisma.volumeAlert.findUniqueOrThrow({ where: { id: res.body.alertId } });
    expect(row).toMatchObject({
      symbol: 'FOOUSDT',
      volumeRatio: 4.03,
      alertType: 'SPIKE',
      candleDirection: 'bullish',
      oiChange: null,
    });
    expect(t.realtime.volume).toHaveLength(1);
  });

  it('defaults detectionTime to timestamp, alertType to SPIKE and isUpdate to false', async () => {
    const { detectionTime: _d, alertType: _a, isUpdate: _i, ...minimal } = volumeAlert;
    const res = await post('/api/volume-alerts/ingest', minimal).expect(200);
    const row = await t.prisma.volumeAlert.findUniqueOrThrow({ where: { id: res.body.alertId } });
    expect([row.detectionTime?.toISOString(), row.alertType, row.isUpdate]).toEqual([
      '2025-03-01T10:25:00.000Z',
      'SPIKE',
      false,
    ]);
  });

  it('creates one row and one broadcast for retries with the same Idempotency-Key, even concurrent ones', async () => {
    const send = () => post('/api/volume-alerts/ingest', volumeAlert).set('Idempotency-Key', 'vol-1');
    const results = await Promise.all([send(), send(), send()]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(results.map((r) => r.body.alertId)).size).toBe(1);
    expect(await t.prisma.volumeAlert.count()).toBe(1);
    expect(t.realtime.volume).toHaveLength(1);
  });

  it.each([
    ['a timestamp with an offset', { ...volumeAlert, timestamp: '2025-03-01T10:25:00+00:00' }, 'timestamp'],
    ['a null optional field', { ...volumeAlert, price: null }, 'price'],
    ['an unknown alertType', { ...volumeAlert, alertType: 'MEGA' }, 'alertType'],
    ['a missing hourTimestamp', { ...volumeAlert, hourTimestamp: undefined }, 'hourTimestamp'],
    ['a message over 4000 characters', { ...volumeAlert, message: 'x'.repeat(4001) }, 'message'],
    ['an asset over 40 characters', { ...volumeAlert, asset: 'A'.repeat(41) }, 'asset'],
  ])('rejects %s with the legacy 400 body', async (_n, body, field) => {
    const res = await post('/api/volume-alerts/ingest', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Invalid alert data');
    expect(res.body.message).toContain(field);
    expect(Array.isArray(res.body.details)).toBe(true);
    expect(await t.prisma.volumeAlert.count()).toBe(0);
  });

  it("gates GET by the caller's tier, not by the query", async () => {
    // now = 10:27:30 → free sees ≤ 10:15, pro ≤ 10:25, elite everything.
    t.clock.now = Date.parse('2025-03-01T10:27:30Z');
    for (const m of ['10:10', '10:20', '10:25', '10:27']) {
      await post('/api/volume-alerts/ingest', {
        ...volumeAlert,
        timestamp: `2025-03-01T${m}:00Z`,
        detectionTime: `2025-03-01T${m}:00Z`,
      }).expect(200);
    }
    const anon = await request(t.app).get('/api/volume-alerts?tier=elite').expect(200);
    expect(anon.body).toMatchObject({ tier: 'free', limit: 10, lastBroadcastTime: '2025-03-01T10:15:00.000Z' });
    expect(anon.body.alerts).toHaveLength(1);
    const pro = await userWithToken(t, 'pro');
    const proRes = await request(t.app).get('/api/volume-alerts').set('Authorization', pro.bearer).expect(200);
    expect(proRes.body).toMatchObject({ tier: 'pro', limit: 50, lastBroadcastTime: '2025-03-01T10:25:00.000Z' });
    expect(proRes.body.alerts.map((a: { timestamp: string }) => a.timestamp)).toEqual([
      '2025-03-01T10:25:00.000Z',
      '2025-03-01T10:20:00.000Z',
      '2025-03-01T10:10:00.000Z',
    ]);
    const elite = await userWithToken(t, 'elite');
    const eliteRes = await request(t.app)
      .get('/api/volume-alerts?symbol=FOOUSDT')
      .set('Authorization', elite.bearer)
      .expect(200);
    expect(eliteRes.body).toMatchObject({ tier: 'elite', limit: 100 });
    expect(eliteRes.body.alerts).toHaveLength(4);
    expect(eliteRes.body.alerts[0]).not.toHaveProperty('idempotencyKey');
    const admin = await userWithToken(t, 'free', { admin: true });
    expect((await request(t.app).get('/api/volume-alerts').set('Authorization', admin.bearer)).body.tier).toBe('admin');
  });

  it('serves /recent with hours and a capped limit; a bad hours is 400', async () => {
    t.clock.now = Date.parse('2025-03-01T12:00:00Z');
    await post('/api/volume-alerts/ingest', volumeAlert).expect(200);
    await post('/api/volume-alerts/ingest', { ...volumeAlert, timestamp: '2025-02-27T10:00:00Z' }).expect(200);
    const r = await request(t.app).get('/api/volume-alerts/recent?hours=24&limit=500').expect(200);
    expect(r.body).toMatchObject({ hours: 24, count: 1 });
    expect((await request(t.app).get('/api/volume-alerts/recent?hours=abc')).status).toBe(400);
  });

  it('subscriptions need a signed-in pro/elite user', async () => {
    expect((await request(t.app).get('/api/volume-alerts/subscriptions')).status).toBe(401);
    const free = await userWithToken(t, 'free');
    const denied = await request(t.app)
      .post('/api/volume-alerts/subscriptions')
      .set('Authorization', free.bearer)
      .send({ symbol: 'BTCUSDT' });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ error: 'Pro or Elite tier required' });
    const pro = await userWithToken(t, 'pro');
    await request(t.app)
      .post('/api/volume-alerts/subscriptions')
      .set('Authorization', pro.bearer)
      .send({ symbol: 'btcusdt' })
      .expect(200);
    await request(t.app)
      .post('/api/volume-alerts/subscriptions')
      .set('Authorization', pro.bearer)
      .send({ symbol: 'BTCUSDT' })
      .expect(200);
    const list = await request(t.app)
      .get('/api/volume-alerts/subscriptions')
      .set('Authorization', pro.bearer)
      .expect(200);
    expect(list.body.subscriptions.map((s: { symbol: string }) => s.symbol)).toEqual(['BTCUSDT']);
    await request(t.app)
      .delete('/api/volume-alerts/subscriptions/BTCUSDT')
      .set('Authorization', pro.bearer)
      .expect(200);
    expect(
      (await request(t.app).delete('/api/volume-alerts/subscriptions/BTCUSDT').set('Authorization', pro.bearer)).status,
    ).toBe(404);
  });
});
