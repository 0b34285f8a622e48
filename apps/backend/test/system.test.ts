import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KEYS } from '@volspike/runtime';
import { INGEST_KEY, clearTables, createTestApp, userWithToken, type TestApp } from './app-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ HEALTH_REQUIRED_COMPONENTS: undefined });
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await clearTables(t.prisma, ['component_heartbeats', 'open_interest_latest', 'open_interest_liquid_symbols']);
  t.clock.now = Date.now();
});

const beat = (component: string, status = 'ok') =>
  request(t.app)
    .post('/api/heartbeats')
    .set('X-API-Key', INGEST_KEY)
    .send({ component, status, details: { depth: 0 } });

describe('GET /health', () => {
  it('keeps the legacy fields and is 200 when nothing is enabled', async () => {
    const r = await request(t.app).get('/health').expect(200);
    expect(r.body).toMatchObject({
      status: 'ok',
      version: expect.any(String),
      environment: 'test',
      timestamp: expect.any(String),
    });
    expect(r.body.checks.database.ok).toBe(true);
    expect(r.body.checks.bus.ok).toBe(true);
  });

  it('turns 503 when an enabled daemon stops beating or its data is stale, and 200 again when fresh', async () => {
    await beat('oi-poller').expect(200);
    const noData = await request(t.app).get('/health');
    expect(noData.status).toBe(503);
    expect(noData.body.checks.oiSamples).toMatchObject({ ok: false, enabled: true, ageMs: null });
    await request(t.app)
      .post('/api/market/open-interest/ingest')
      .set('X-API-Key', INGEST_KEY)
      .send({
        data: [{ symbol: 'BTCUSDT', openInterest: 1 }],
        source: 'realtime',
        timestamp: new Date(t.clock.now).toISOString(),
      })
      .expect(200);
    expect((await request(t.app).get('/health')).status).toBe(200);
    t.clock.now += 90_000; // heartbeat (60 s) stale, samples (120 s) still fresh
    const stale = await request(t.app).get('/health');
    expect(stale.status).toBe(503);
    expect(stale.body.components['oi-poller']).toMatchObject({ status: 'ok', stale: true });
    await beat('oi-poller', 'stopped').expect(200);
    t.clock.now += 600_000;
    const off = await request(t.app).get('/health');
    expect(off.status).toBe(200);
    expect(off.body.checks.oiSamples.enabled).toBe(false);
  });

  it('checks mark prices on the bus while the funding daemon is enabled', async () => {
    await beat('funding').expect(200);
    expect((await request(t.app).get('/health')).body.checks.markPrices).toMatchObject({ ok: false, ageMs: null });
    await t.bus.setJson(KEYS.markPrices, {
      BTCUSDT: {
        symbol: 'BTCUSDT',
        markPrice: 1,
        indexPrice: null,
        fundingRate: null,
        nextFundingTime: null,
        updatedAt: t.clock.now - 5_000,
      },
    });
    const r = await request(t.app).get('/health').expect(200);
    expect(r.body.checks.markPrices).toMatchObject({ ok: true, ageMs: 5_000 });
  });

  it('checks universe freshness while the universe job is enabled', async () => {
    await beat('universe-job').expect(200);
    await request(t.app)
      .post('/api/market/open-interest/liquid-universe/update')
      .set('X-API-Key', INGEST_KEY)
      .send({
        symbols: [
          { symbol: 'BTCUSDT', quoteVolume24h: 5e6, lastSeenAt: new Date(t.clock.now - 3_600_000).toISOString() },
        ],
      })
      .expect(200);
    const r = await request(t.app).get('/health');
    expect(r.status).toBe(503);
    expect(r.body.checks.universe.detail).toContain('older than 1800 s');
  });
});

describe('heartbeats', () => {
  it('upserts one row per component and validates the body', async () => {
    await beat('oi-poller').expect(200);
    await beat('oi-poller', 'degraded').expect(200);
    const rows = await t.prisma.componentHeartbeat.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ component: 'oi-poller', status: 'degraded', details: { depth: 0 } });
    const bad = await request(t.app).post('/api/heartbeats').set('X-API-Key', INGEST_KEY).send({ status: 'ok' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('component');
    expect((await request(t.app).post('/api/heartbeats').send({ component: 'x', status: 'ok' })).status).toBe(401);
  });
});

describe('metrics, OpenAPI, docs', () => {
  it('exposes Prometheus metrics including ingested samples and socket clients', async () => {
    const counter = async () => {
      const text = (await request(t.app).get('/metrics').expect(200)).text;
      return Number(/volspike_backend_oi_samples_ingested_total\{source="realtime"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await counter();
    await request(t.app)
      .post('/api/market/open-interest/ingest')
      .set('X-API-Key', INGEST_KEY)
      .send({
        data: [
          { symbol: 'ETHUSDT', openInterest: 1 },
          { symbol: 'BTCUSDT', openInterest: 2 },
        ],
        source: 'realtime',
        timestamp: '2025-01-01T00:00:00Z',
      })
      .expect(200);
    const r = await request(t.app).get('/metrics').expect(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect((await counter()) - before).toBe(2);
    expect(r.text).toMatch(/volspike_backend_socket_clients 3/);
    expect(r.text).toContain('volspike_backend_ingest_duration_seconds_bucket');
  });

  it('serves the generated OpenAPI document and an HTML rendering of it', async () => {
    const doc = await request(t.app).get('/openapi.json').expect(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.paths['/api/market/open-interest/ingest'].post).toBeDefined();
    const html = await request(t.app).get('/docs').expect(200);
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.text).toContain('/api/user-alerts-trigger/trigger');
    expect(html.text).not.toMatch(/<script|https?:\/\/cdn/);
  });
});

describe('global behaviour', () => {
  it('answers unknown routes with the legacy 404 body', async () => {
    const r = await request(t.app).get('/api/nope').expect(404);
    expect(r.body).toEqual({ error: 'Not Found' });
  });

  it('answers preflights with 204 and allows the frontend origin with credentials', async () => {
    const pre = await request(t.app)
      .options('/api/volume-alerts')
      .set('Origin', 'http://localhost:3000')
      .set('Access-Control-Request-Method', 'GET');
    expect(pre.status).toBe(204);
    expect(pre.text).toBe('');
    expect(pre.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    expect(pre.headers['access-control-allow-headers']).toContain('X-API-Key');
    expect(pre.headers['access-control-max-age']).toBe('86400');
    const evil = await request(t.app).get('/health').set('Origin', 'https://evil.example');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('without ALERT_INGEST_API_KEY', () => {
  let bare: TestApp;
  beforeAll(async () => {
    bare = await createTestApp({ ALERT_INGEST_API_KEY: undefined });
  });
  afterAll(async () => {
    await bare.close();
  });

  it('answers ingest with the legacy configuration error and the checker with it too', async () => {
    const r = await request(bare.app).post('/api/volume-alerts/ingest').set('X-API-Key', 'anything').send({});
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error: 'Server configuration error' });
    expect((await request(bare.app).get('/api/user-alerts-trigger/active?apiKey=x')).status).toBe(500);
  });
});

describe('DEBUG_ACCESS=admin', () => {
  let locked: TestApp;
  beforeAll(async () => {
    locked = await createTestApp({ DEBUG_ACCESS: 'admin' });
  });
  afterAll(async () => {
    await locked.close();
  });

  it('serves the /recent endpoints to admins only', async () => {
    for (const path of ['/api/volume-alerts/recent', '/api/open-interest-alerts/recent']) {
      expect((await request(locked.app).get(path)).status).toBe(401);
      const pro = await userWithToken(locked, 'elite');
      expect((await request(locked.app).get(path).set('Authorization', pro.bearer)).status).toBe(403);
      const admin = await userWithToken(locked, 'free', { admin: true });
      expect((await request(locked.app).get(path).set('Authorization', admin.bearer)).status).toBe(200);
    }
  });
});
