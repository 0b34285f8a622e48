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
  await clearTables(t.prisma, ['users']);
  t.realtime.userAlerts = [];
});

const create = (bearer: string, body: Record<string, unknown>) =>
  request(t.app).post('/api/user-alerts').set('Authorization', bearer).send(body);

describe('/api/user-alerts CRUD', () => {
  it('needs a signed Bearer token; a raw user id is not accepted', async () => {
    const { user } = await userWithToken(t, 'pro');
    expect((await request(t.app).get('/api/user-alerts')).status).toBe(401);
    expect((await request(t.app).get('/api/user-alerts').set('Authorization', `Bearer ${user.id}`)).status).toBe(401);
  });

  it('creates with 201, upper-cases the symbol, and lists active first', async () => {
    const u = await userWithToken(t, 'pro');
    const a = await create(u.bearer, {
      symbol: 'btcusdt',
      alertType: 'PRICE_CROSS',
      threshold: 65000,
      lastCheckedValue: 64000,
    });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      symbol: 'BTCUSDT',
      deliveryMethod: 'DASHBOARD',
      isActive: true,
      lastCheckedValue: 64000,
      triggeredCount: 0,
    });
    expect(typeof a.body.lastCheckedAt).toBe('string');
    const b = await create(u.bearer, { symbol: 'ETHUSDT', alertType: 'OI_CROSS', threshold: 1e6 }).expect(201);
    await request(t.app)
      .put(`/api/user-alerts/${b.body.id}`)
      .set('Authorization', u.bearer)
      .send({ isActive: false })
      .expect(200);
    const list = await request(t.app).get('/api/user-alerts').set('Authorization', u.bearer).expect(200);
    expect(list.body.alerts.map((x: { symbol: string }) => x.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    const active = await request(t.app)
      .get('/api/user-alerts?active=true&symbol=btcusdt')
      .set('Authorization', u.bearer)
      .expect(200);
    expect(active.body.alerts).toHaveLength(1);
  });

  it('accepts a negative funding threshold but not a zero one, nor a negative price', async () => {
    const u = await userWithToken(t, 'pro');
    await create(u.bearer, { symbol: 'BTCUSDT', alertType: 'FUNDING_CROSS', threshold: -0.0005 }).expect(201);
    const zero = await create(u.bearer, { symbol: 'BTCUSDT', alertType: 'FUNDING_CROSS', threshold: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body).toMatchObject({ error: 'Invalid request data', message: expect.stringContaining('threshold') });
    expect((await create(u.bearer, { symbol: 'BTCUSDT', alertType: 'PRICE_CROSS', threshold: -1 })).status).toBe(400);
    expect((await create(u.bearer, { symbol: 'BTCUSDT', alertType: 'VOLUME', threshold: 1 })).status).toBe(400);
    expect(await t.prisma.userCrossAlert.count()).toBe(1);
  });

  it('answers an active duplicate with 409', async () => {
    const u = await userWithToken(t, 'pro');
    const body = { symbol: 'BTCUSDT', alertType: 'PRICE_CROSS', threshold: 100 };
    await create(u.bearer, body).expect(201);
    expect((await create(u.bearer, body)).status).toBe(409);
  });

  it('enforces the free limit of 3 on create, update (isActive) and reactivate alike', async () => {
    const u = await userWithToken(t, 'free');
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++)
      ids.push(
        (await create(u.bearer, { symbol: 'BTCUSDT', alertType: 'PRICE_CROSS', threshold: i }).expect(201)).body.id,
      );
    const fourth = await create(u.bearer, { symbol: 'BTCUSDT', alertType: 'PRICE_CROSS', threshold: 4 });
    expect(fourth.status).toBe(403);
    expect(fourth.body).toEqual({ error: 'Maximum active alerts reached for free tier (3)', limit: 3, current: 3 });
    // Deactivate one, create another, then try to bring the first back both ways.
    await request(t.app)
      .put(`/api/user-alerts/${ids[0]}`)
      .set('Authorization', u.bearer)
      .send({ isActive: false })
      .expect(200);
    await create(u.bearer, { symbol: 'BTCUSDT', alertType: 'PRICE_CROSS', threshold: 4 }).expect(201);
    expect(
      (await request(t.app).put(`/api/user-alerts/${ids[0]}`).set('Authorization', u.bearer).send({ isActive: true }))
        .status,
    ).toBe(403);
    expect(
      (await request(t.app).post(`/api/user-alerts/${ids[0]}/reactivate`).set('Authorization', u.bearer)).status,
    ).toBe(403);
    expect(await t.prisma.userCrossAlert.count({ where: { userId: u.user.id, isActive: true } })).toBe(3);
  });

  it('lets concurrent creates past the limit succeed only up to it', async () => {
    const u = await userWithToken(t, 'free');
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => create(u.bearer, { symbol: 'BTCUSDT', alertType: 'PRICE_CROSS', threshold: i })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 403)).toHaveLength(2);
  });

  it('gives pro 10 and elite no limit; EMAIL needs pro', async () => {
    const pro = await userWithToken(t, 'pro');
    for (let i = 1; i <= 10; i++)
      await create(pro.bearer, { symbol: 'X', alertType: 'PRICE_CROSS', threshold: i }).expect(201);
    expect((await create(pro.bearer, { symbol: 'X', alertType: 'PRICE_CROSS', threshold: 11 })).status).toBe(403);
    const elite = await userWithToken(t, 'elite');
    for (let i = 1; i <= 12; i++)
      await create(elite.bearer, { symbol: 'X', alertType: 'PRICE_CROSS', threshold: i }).expect(201);
    const free = await userWithToken(t, 'free');
    const email = await create(free.bearer, {
      symbol: 'X',
      alertType: 'PRICE_CROSS',
      threshold: 1,
      deliveryMethod: 'EMAIL',
    });
    expect(email.status).toBe(403);
    expect(email.body).toEqual({ error: 'Email delivery requires Pro or Elite tier' });
    await create(pro.bearer, { symbol: 'Y', alertType: 'PRICE_CROSS', threshold: 1, deliveryMethod: 'BOTH' }).expect(
      403,
    ); // pro is at its limit
  });

  it('caps the alerts one user keeps (USER_ALERTS_MAX_PER_USER), inactive ones included', async () => {
    const capped = await createTestApp({ USER_ALERTS_MAX_PER_USER: '3' });
    try {
      const elite = await userWithToken(capped, 'elite');
      const make = (threshold: number) =>
        request(capped.app)
          .post('/api/user-alerts')
          .set('Authorization', elite.bearer)
          .send({ symbol: 'X', alertType: 'PRICE_CROSS', threshold });
      for (let i = 1; i <= 3; i++) await make(i).expect(201);
      await capped.prisma.userCrossAlert.updateMany({ data: { isActive: false } });
      const over = await make(4);
      expect([over.status, over.body]).toEqual([
        403,
        { error: 'Maximum number of alerts reached (3): delete old alerts first', limit: 3, current: 3 },
      ]);
    } finally {
      await capped.close();
    }
  });

  it("hides other users' alerts (404) and deletes own ones", async () => {
    const a = await userWithToken(t, 'pro');
    const b = await userWithToken(t, 'pro');
    const alert = (await create(a.bearer, { symbol: 'X', alertType: 'PRICE_CROSS', threshold: 1 }).expect(201)).body;
    expect(
      (await request(t.app).put(`/api/user-alerts/${alert.id}`).set('Authorization', b.bearer).send({ threshold: 2 }))
        .status,
    ).toBe(404);
    expect((await request(t.app).delete(`/api/user-alerts/${alert.id}`).set('Authorization', b.bearer)).body).toEqual({
      error: 'Alert not found',
    });
    const upd = await request(t.app)
      .put(`/api/user-alerts/${alert.id}`)
      .set('Authorization', a.bearer)
      .send({ threshold: 2.5, deliveryMethod: 'EMAIL' })
      .expect(200);
    expect(upd.body).toMatchObject({ threshold: 2.5, deliveryMethod: 'EMAIL' });
    expect(
      (await request(t.app).put(`/api/user-alerts/${alert.id}`).set('Authorization', a.bearer).send({ threshold: -3 }))
        .status,
    ).toBe(400);
    await request(t.app).delete(`/api/user-alerts/${alert.id}`).set('Authorization', a.bearer).expect(200);
    expect(await t.prisma.userCrossAlert.count()).toBe(0);
  });
});

describe('/api/user-alerts-trigger (checker)', () => {
  async function activeAlert(tier: 'free' | 'pro' = 'pro', alertType = 'PRICE_CROSS', threshold = 65000) {
    const u = await userWithToken(t, tier);
    const a = await create(u.bearer, { symbol: 'BTCUSDT', alertType, threshold }).expect(201);
    return { user: u.user, alert: a.body as { id: string } };
  }
  const trig = (body: Record<string, unknown>, key: string | null = INGEST_KEY) => {
    const r = request(t.app).post('/api/user-alerts-trigger/trigger');
    return key ? r.set('X-API-Key', key).send(body) : r.send(body);
  };

  it('lists active alerts with the user tier for a key in the header or the legacy query field', async () => {
    const { alert } = await activeAlert('free');
    const viaHeader = await request(t.app)
      .get('/api/user-alerts-trigger/active')
      .set('X-API-Key', INGEST_KEY)
      .expect(200);
    expect(viaHeader.body.alerts).toEqual([
      {
        id: alert.id,
        userId: expect.any(String),
        symbol: 'BTCUSDT',
        alertType: 'PRICE_CROSS',
        threshold: 65000,
        lastCheckedValue: null,
        lastCheckedAt: null,
        deliveryMethod: 'DASHBOARD',
        userTier: 'free',
      },
    ]);
    await request(t.app).get(`/api/user-alerts-trigger/active?apiKey=${INGEST_KEY}`).expect(200);
    expect((await request(t.app).get('/api/user-alerts-trigger/active?apiKey=wrong')).body).toEqual({
      error: 'Unauthorized',
    });
  });

  it('checks the key before the body: a bad body without a key is 401, not 400', async () => {
    expect((await trig({ nonsense: true }, null)).status).toBe(401);
    const malformed = (key?: string) => {
      const r = request(t.app).post('/api/user-alerts-trigger/trigger').set('Content-Type', 'application/json');
      return (key ? r.set('X-API-Key', key) : r).send('{"alertId":');
    };
    expect((await malformed()).status).toBe(401);
    expect((await malformed('wrong')).status).toBe(401);
    expect((await malformed(INGEST_KEY)).status).toBe(400);
    const bad = await trig({ alertId: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('Invalid request data');
  });

  it('accepts the legacy apiKey body field and fires once with the legacy socket payload', async () => {
    const { user, alert } = await activeAlert();
    const res = await trig(
      {
        alertId: alert.id,
        symbol: 'BTCUSDT',
        currentValue: 65012.345,
        previousValue: 64990.1,
        crossedUp: true,
        apiKey: INGEST_KEY,
      },
      null,
    );
    expect(res.status).toBe(200);
    expect(res.body.alert).toMatchObject({
      id: alert.id,
      isActive: false,
      triggeredValue: 65012.345,
      triggeredCount: 1,
      lastCheckedValue: 65012.345,
    });
    expect(t.realtime.userAlerts).toEqual([
      {
        userId: user.id,
        payload: {
          id: alert.id,
          symbol: 'BTCUSDT',
          alertType: 'PRICE_CROSS',
          alertTypeName: 'Price',
          threshold: 65000,
          thresholdFormatted: '$65,000',
          currentValue: 65012.345,
          currentValueFormatted: '$65,012.35',
          previousValue: 64990.1,
          previousValueFormatted: '$64,990.1',
          crossedUp: true,
          direction: 'above',
          timestamp: expect.any(String),
        },
      },
    ]);
    const again = await trig({
      alertId: alert.id,
      symbol: 'BTCUSDT',
      currentValue: 1,
      previousValue: 0,
      crossedUp: true,
    });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: 'Alert is not active' });
    expect(
      (await trig({ alertId: 'missing', symbol: 'X', currentValue: 1, previousValue: 0, crossedUp: true })).status,
    ).toBe(404);
  });

  it('lets exactly one of many concurrent triggers succeed', async () => {
    const { alert } = await activeAlert();
    const body = { alertId: alert.id, symbol: 'BTCUSDT', currentValue: 65100, previousValue: 64900, crossedUp: true };
    const results = await Promise.all(Array.from({ length: 8 }, () => trig(body)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(7);
    expect(t.realtime.userAlerts).toHaveLength(1);
    const row = await t.prisma.userCrossAlert.findUniqueOrThrow({ where: { id: alert.id } });
    expect(row.triggeredCount).toBe(1);
  });

  it('records checked values and answers 404 for an unknown id', async () => {
    const { alert } = await activeAlert();
    await request(t.app)
      .post('/api/user-alerts-trigger/update-checked')
      .set('X-API-Key', INGEST_KEY)
      .send({ alertId: alert.id, lastCheckedValue: 64000 })
      .expect(200);
    const row = await t.prisma.userCrossAlert.findUniqueOrThrow({ where: { id: alert.id } });
    expect(row.lastCheckedValue).toBe(64000);
    expect(row.lastCheckedAt).not.toBeNull();
    const missing = await request(t.app)
      .post('/api/user-alerts-trigger/update-checked')
      .set('X-API-Key', INGEST_KEY)
      .send({ alertId: 'nope', lastCheckedValue: 1 });
    expect(missing.status).toBe(404);
    expect(
      (
        await request(t.app)
          .post('/api/user-alerts-trigger/update-checked')
          .set('X-API-Key', INGEST_KEY)
          .set('Content-Type', 'application/json')
          .send('{bad')
      ).status,
    ).toBe(400);
  });

  it('formats funding alerts as percentages', async () => {
    const { alert } = await activeAlert('pro', 'FUNDING_CROSS', -0.0005);
    await trig({
      alertId: alert.id,
      symbol: 'BTCUSDT',
      currentValue: -0.00051,
      previousValue: -0.0004,
      crossedUp: false,
    }).expect(200);
    expect(t.realtime.userAlerts[0]!.payload).toMatchObject({
      alertTypeName: 'Funding Rate',
      thresholdFormatted: '-0.0500%',
      direction: 'below',
    });
  });
});
