import { Registry } from 'prom-client';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { createBus, createLogger, type Bus } from '@volspike/runtime';
import { start, type BackendHandle } from '../src/index.js';
import { INGEST_KEY, startEnv } from './app-helpers.js';

let db: TestDatabase;
let bus: Bus;
let handle: BackendHandle;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const logger = createLogger({ name: 'test', level: 'silent' });
  bus = createBus({ logger });
  const env = startEnv({ OI_UPDATE_TICK_MS: '50', DEBUG_ACCESS: 'public' });
  handle = await start(env, { logger, bus, metrics: new Registry(), prisma: db.prisma });
  base = `http://127.0.0.1:${handle.port}`;
});
afterAll(async () => {
  await handle?.stop();
  await bus?.close();
  await db?.drop();
});

describe('start()', () => {
  it('serves HTTP and Socket.IO on one port: a realtime ingest reaches a guest socket', async () => {
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(((await handle.health()).body as { status: string }).status).toBe('ok');
    const socket = connect(base, { auth: { token: 'guest' }, transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connected', () => resolve());
        socket.once('connect_error', reject);
      });
      const update = new Promise<Record<string, unknown>>((resolve) => socket.once('open-interest-update', resolve));
      const res = await fetch(`${base}/api/market/open-interest/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': INGEST_KEY },
        body: JSON.stringify({
          data: [{ symbol: 'BTCUSDT', openInterest: 5, openInterestUsd: 0.0, markPrice: 0.0 }],
          source: 'realtime',
        }),
      });
      expect(res.status).toBe(200);
      expect(await update).toMatchObject({
        symbol: 'BTCUSDT',
        openInterest: 5,
        openInterestUsd: null,
        source: 'realtime',
      });
    } finally {
      socket.close();
    }
  });

  it('mounts the debug pages and the docs', async () => {
    expect((await fetch(`${base}/docs`)).status).toBe(200);
    expect((await fetch(`${base}/debug/universe`)).status).toBe(200);
  });
});
