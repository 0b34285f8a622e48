// The backend as production runs it: start() with NODE_ENV=production, a real Postgres and Redis (rate limits
// and the Socket.IO adapter under a random key prefix), clients over real sockets.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { SignJWT } from 'jose';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { createBus, createLogger, type Bus } from '@volspike/runtime';
import { loadAppEnv, start, type BackendHandle } from '../src/index.js';
import { INGEST_KEY, TEST_JWT_SECRET } from './app-helpers.js';
import { connectClient, createUser, handshakeOutcome, type RecordingClient } from './realtime-helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ name: 'test', level: 'silent' });

let db: TestDatabase;
let bus: Bus;
const handles: BackendHandle[] = [];
const sockets: RecordingClient[] = [];

/** A production backend on a free port; `prefix` isolates its Redis keys (shared by backends given the same one). */
async function startProd(overrides: Record<string, string> = {}, prefix = `test:${randomUUID()}:`) {
  const env = loadAppEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    ALERT_INGEST_API_KEY: INGEST_KEY,
    JWT_SECRET: TEST_JWT_SECRET,
    REDIS_URL,
    ...overrides,
  });
  const handle = await start(env, { logger, bus, metrics: new Registry(), prisma: db.prisma, redisKeyPrefix: prefix });
  handles.push(handle);
  return { handle, base: `http://127.0.0.1:${handle.port}` };
}

async function connect(base: string, auth: Record<string, unknown>, query?: Record<string, string>) {
  const c = await connectClient(base, auth, query ? { query } : {});
  sockets.push(c);
  return c;
}

/**
 * POSTs a body of `declared` bytes (Content-Length) but writes it only as fast as the server reads it; resolves
 * with the response and how many bytes had been written by then.
 */
function slowPost(port: number, path: string, headers: Record<string, string>, declared: number) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; sent: number; body: string }>(
    (resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(declared), ...headers },
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, sent, body });
          req.destroy();
        });
      });
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      const pump = (): void => {
        while (!answered && sent < declared) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
      };
      pump();
    },
  );
}

const FIFTY_MB = 50 * 1024 * 1024;

beforeAll(async () => {
  db = await createTestDatabase();
  bus = createBus({ logger });
});

afterAll(async () => {
  for (const s of sockets) s.socket.close();
  for (const h of handles) await h.stop();
  await bus?.close();
  await db?.drop();
});

describe('identities in production', () => {
  let base: string;
  let strict: string;
  let pro: { id: string; email: string };

  beforeAll(async () => {
    ({ base } = await startProd());
    ({ base: strict } = await startProd({ LEGACY_ID_TOKENS: 'false' }));
    pro = await createUser(db.prisma, { email: 'prod-pro@example.com', tier: 'pro' });
  });

  it('gives an email token guest rights on the socket and no identity over REST', async () => {
    const c = await connect(base, { token: pro.email });
    expect(c.of('connected')[0]!.payload).toEqual({ tier: 'free', refreshInterval: 900_000 });
    const res = await fetch(`${base}/api/user-alerts`, { headers: { authorization: `Bearer ${pro.email}` } });
    expect([res.status, await res.json()]).toEqual([401, { error: 'Invalid token' }]);
  });

  it('takes a bare user id as that user while LEGACY_ID_TOKENS is on (the default), and counts it', async () => {
    const c = await connect(base, { token: pro.id }, { method: 'id' });
    expect(c.of('connected')[0]!.payload).toEqual({ tier: 'pro', refreshInterval: 300_000 });
    const res = await fetch(`${base}/api/user-alerts`, { headers: { authorization: `Bearer ${pro.id}` } });
    expect(res.status).toBe(200);
    const unknown = await fetch(`${base}/api/user-alerts`, { headers: { authorization: 'Bearer cnosuchuser0000' } });
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'User not found' }]);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('volspike_backend_legacy_id_token_requests_total{transport="rest"} 2');
    expect(metrics).toContain('volspike_backend_legacy_id_token_requests_total{transport="socket"} 1');
  });

  it('gives a bare user id no identity with LEGACY_ID_TOKENS=false', async () => {
    const c = await connect(strict, { token: pro.id }, { method: 'id' });
    expect(c.of('connected')[0]!.payload).toEqual({ tier: 'free', refreshInterval: 900_000 });
    const res = await fetch(`${strict}/api/user-alerts`, { headers: { authorization: `Bearer ${pro.id}` } });
    expect([res.status, await res.json()]).toEqual([401, { error: 'Invalid token' }]);
  });

  it('accepts a legacy-signed token while its user_sessions row is live, and refuses it once revoked or expired', async () => {
    const session = await db.prisma.userSession.create({
      data: { userId: pro.id, deviceId: 'prod-browser', tier: 'pro', expiresAt: new Date(Date.now() + 3_600_000) },
    });
    const token = await new SignJWT({ sessionId: session.id })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(pro.id)
      .setIssuedAt()
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const get = () => fetch(`${strict}/api/user-alerts`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get()).status).toBe(200);
    const c = await connect(strict, { token });
    expect(c.of('connected')[0]!.payload).toEqual({ tier: 'pro', refreshInterval: 300_000 });

    await db.prisma.userSession.update({
      where: { id: session.id },
      data: { isActive: false, invalidatedAt: new Date() },
    });
    const revoked = await get();
    expect([revoked.status, await revoked.json()]).toEqual([
      401,
      { error: 'Session revoked', code: 'SESSION_INVALID', reason: 'revoked' },
    ]);
    expect(await handshakeOutcome(connectClient(strict, { token }))).toBe('Session invalid: revoked');

    await db.prisma.userSession.update({
      where: { id: session.id },
      data: { isActive: true, invalidatedAt: null, expiresAt: new Date(Date.now() - 1000) },
    });
    const expired = await get();
    expect([expired.status, await expired.json()]).toEqual([
      401,
      { error: 'Session expired', code: 'SESSION_INVALID', reason: 'expired' },
    ]);
  });

  it('answers /api/volume-alerts?tier=elite without credentials with the free list (the tier comes from the token)', async () => {
    const res = await fetch(`${base}/api/volume-alerts?tier=elite`);
    expect(res.status).toBe(200);
    expect((await res.json()) as unknown).toMatchObject({ tier: 'free' });
  });
});

describe('bodies in production', () => {
  let port: number;
  let base: string;
  let token: string;

  beforeAll(async () => {
    const s = await startProd();
    port = s.handle.port;
    base = s.base;
    const user = await createUser(db.prisma, { email: 'body@example.com', tier: 'pro' });
    token = user.id;
  });

  it('answers a 50 MB POST without the key with 401 before reading it', async () => {
    const res = await slowPost(port, '/api/volume-alerts/ingest', {}, FIFTY_MB);
    expect(res.status).toBe(401);
    expect(res.headers.connection).toBe('close');
    expect(res.sent).toBeLessThan(FIFTY_MB / 2);
  });

  it('answers a 50 MB POST to a user route without a token with 401 before reading it', async () => {
    const res = await slowPost(port, '/api/user-alerts', {}, FIFTY_MB);
    expect(res.status).toBe(401);
    expect(res.sent).toBeLessThan(FIFTY_MB / 2);
  });

  it('answers a declared 50 MB body with the key with 413 before reading it', async () => {
    const res = await slowPost(port, '/api/volume-alerts/ingest', { 'x-api-key': INGEST_KEY }, FIFTY_MB);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'Payload too large' });
    expect(res.sent).toBeLessThan(FIFTY_MB / 2);
  });

  it('limits the user routes to small bodies (64 KB) and the ingest routes to 5 MB', async () => {
    const pad = 'x'.repeat(100 * 1024);
    const user = await fetch(`${base}/api/user-alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: 'BTCUSDT', pad }),
    });
    expect(user.status).toBe(413);
    const ingest = await fetch(`${base}/api/telegram/ingest`, {
      method: 'POST',
      headers: { 'x-api-key': INGEST_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [], pad }),
    });
    expect(ingest.status).toBe(400); // read (under 5 MB) and refused by the schema
  });
});

describe('ingest keys in production', () => {
  const OI_KEY = 'oi-poller-key-0123456789';
  const CHECKER_KEY = 'user-alerts-key-0123456789';
  let base: string;

  beforeAll(async () => {
    ({ base } = await startProd({ INGEST_KEYS: `oi-poller=${OI_KEY},user-alerts=${CHECKER_KEY}` }));
  });

  const post = (path: string, key: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const oiBody = { data: [{ symbol: 'KEYUSDT', openInterest: 1 }], source: 'realtime' };
  const tgBody = { channel: { id: 1, username: 'k', title: 'k' }, messages: [] };

  it("opens only its daemon's routes with a daemon key", async () => {
    expect((await post('/api/market/open-interest/ingest', OI_KEY, oiBody)).status).toBe(200);
    expect((await post('/api/heartbeats', OI_KEY, { component: 'oi-poller', status: 'ok' })).status).toBe(200);
    expect((await post('/api/telegram/ingest', OI_KEY, tgBody)).status).toBe(401);
    expect((await post('/api/market/open-interest/liquid-universe/update', OI_KEY, { symbols: [] })).status).toBe(401);
    const active = await fetch(`${base}/api/user-alerts-trigger/active?apiKey=${CHECKER_KEY}`);
    expect(active.status).toBe(200);
    expect((await fetch(`${base}/api/user-alerts-trigger/active?apiKey=${OI_KEY}`)).status).toBe(401);
  });

  it('keeps the legacy ALERT_INGEST_API_KEY open on every ingest route', async () => {
    expect((await post('/api/market/open-interest/ingest', INGEST_KEY, oiBody)).status).toBe(200);
    expect((await post('/api/telegram/ingest', INGEST_KEY, tgBody)).status).not.toBe(401);
    expect((await fetch(`${base}/api/user-alerts-trigger/active?apiKey=${INGEST_KEY}`)).status).toBe(200);
  });
});

describe('rate limits in production (Redis-backed)', () => {
  it('answers the sixth request of a minute with 429 and Retry-After, counted across two backends', async () => {
    const prefix = `test:${randomUUID()}:`;
    const limits = { RATE_LIMIT_REST_PER_MIN: '5', RATE_LIMIT_HANDSHAKES_PER_MIN: '3' };
    const a = await startProd(limits, prefix);
    const b = await startProd(limits, prefix);
    const statuses: number[] = [];
    for (const base of [a.base, a.base, a.base, b.base, b.base]) {
      statuses.push((await fetch(`${base}/api/market/open-interest/liquid-universe`)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const limited = await fetch(`${b.base}/api/market/open-interest/liquid-universe`);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The daemons' keyed routes are not limited.
    const heartbeat = await fetch(`${a.base}/api/heartbeats`, {
      method: 'POST',
      headers: { 'x-api-key': INGEST_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ component: 'oi-poller', status: 'ok', details: {} }),
    });
    expect(heartbeat.status).toBe(200);
  });

  it('answers the fourth Socket.IO handshake of a minute with 429 and Retry-After', async () => {
    const { base } = await startProd({ RATE_LIMIT_HANDSHAKES_PER_MIN: '3' });
    const handshake = () => fetch(`${base}/socket.io/?EIO=4&transport=polling`);
    const first = await Promise.all([handshake(), handshake(), handshake()]);
    expect(first.map((r) => r.status)).toEqual([200, 200, 200]);
    const limited = await handshake();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await handshakeOutcome(connectClient(base, { token: 'guest' }))).not.toBe('accepted');
  });

  it('keys the limit on the client behind TRUST_PROXY_HOPS proxies, not on the proxy', async () => {
    const { base } = await startProd({ RATE_LIMIT_REST_PER_MIN: '2', TRUST_PROXY_HOPS: '1' });
    const from = (ip: string) => fetch(`${base}/api/telegram/health`, { headers: { 'x-forwarded-for': ip } });
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.1')).status).toBe(429);
    expect((await from('203.0.113.2')).status).toBe(200);
  });
});

describe('socket caps in production', () => {
  let base: string;

  beforeAll(async () => {
    ({ base } = await startProd({ SOCKET_MAX_GUESTS_PER_IP: '2', SOCKET_MAX_SYMBOLS: '2' }));
  });

  it('refuses a third guest connection from one address and accepts one after a guest left', async () => {
    const g1 = await connect(base, { token: 'guest' });
    await connect(base, { token: 'guest' });
    expect(await handshakeOutcome(connectClient(base, { token: 'guest' }))).toBe(
      'Too many guest connections from this address',
    );
    g1.socket.close();
    await expect.poll(async () => handshakeOutcome(connectClient(base, { token: 'guest' }))).toBe('accepted');
  });

  it('refuses a third symbol subscription on one socket', async () => {
    const user = await createUser(db.prisma, { email: 'symbols@example.com', tier: 'elite' });
    const c = await connect(base, { token: user.id });
    expect(await c.socket.emitWithAck('subscribe-symbol', 'BTCUSDT')).toEqual({ ok: true });
    expect(await c.socket.emitWithAck('subscribe-symbol', 'ETHUSDT')).toEqual({ ok: true });
    expect(await c.socket.emitWithAck('subscribe-symbol', 'ETHUSDT')).toEqual({ ok: true }); // already joined
    expect(await c.socket.emitWithAck('subscribe-symbol', 'SOLUSDT')).toEqual({
      ok: false,
      error: 'Too many symbol subscriptions (at most 2 per connection)',
    });
  });
});

describe('/metrics and /health in production', () => {
  it('serves /metrics to loopback clients and to METRICS_TOKEN, and to nobody relayed by a proxy', async () => {
    const { base } = await startProd({ METRICS_TOKEN: 'metrics-token-0123456789' });
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    const relayed = await fetch(`${base}/metrics`, { headers: { 'x-forwarded-for': '198.51.100.7' } });
    expect(relayed.status).toBe(403);
    const withToken = await fetch(`${base}/metrics`, {
      headers: { 'x-forwarded-for': '198.51.100.7', authorization: 'Bearer metrics-token-0123456789' },
    });
    expect(withToken.status).toBe(200);
  });

  it('says which check failed on /health but not the driver error text', async () => {
    const broken: Bus = Object.create(bus) as Bus;
    broken.ping = () => Promise.reject(new Error('connect ECONNREFUSED 10.9.8.7:6379 (user volspike)'));
    const env = loadAppEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      ALERT_INGEST_API_KEY: INGEST_KEY,
      JWT_SECRET: TEST_JWT_SECRET,
    });
    const handle = await start(env, { logger, bus: broken, metrics: new Registry(), prisma: db.prisma });
    handles.push(handle);
    const res = await fetch(`http://127.0.0.1:${handle.port}/health`);
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({ checks: { bus: { ok: false, detail: 'bus unreachable' } } });
    expect(text).not.toContain('10.9.8.7');
    expect(text).not.toContain('ECONNREFUSED');
  });
});
