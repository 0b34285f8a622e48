// Bad input to every ingest endpoint of the running backend (real HTTP, real Postgres): wrong key, invalid
// JSON, NaN/Infinity, negative numbers, oversized bodies, 10k-element arrays, and a fast-check pass that
// throws arbitrary and near-valid bodies at each route. What a user would notice: every refusal is a 4xx,
// nothing is written, and the server keeps answering. The per-route validation messages are covered by
// apps/backend/test; this is the cross-route, randomised pass.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as backendApp from '@volspike/backend';
import {
  HeartbeatSchema,
  LiquidUniverseUpdateSchema,
  OiAlertIngestSchema,
  OiIngestSchema,
  TelegramIngestSchema,
  VolumeAlertIngestSchema,
} from '@volspike/contracts';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { createBus, createLogger, createMetrics, type Bus } from '@volspike/runtime';
import { FaultSummary } from './summary.js';

const KEY = 'faults-ingest-key';
const logger = createLogger({ name: 'faults-ingest', level: 'silent' });
const summary = new FaultSummary('ingest endpoints');

let db: TestDatabase;
let bus: Bus;
let dataDir: string;
let backend: Awaited<ReturnType<typeof backendApp.start>>;
let api: string;

const now = new Date().toISOString();
interface Route {
  name: string;
  path: string;
  schema: z.ZodType;
  valid: Record<string, unknown>;
  rows: () => Promise<number>;
}
const routes = (): Route[] => [
  {
    name: 'OI samples',
    path: '/api/market/open-interest/ingest',
    schema: OiIngestSchema,
    valid: {
      data: [{ symbol: 'BTCUSDT', openInterest: 81234.5, openInterestUsd: 5280242500, markPrice: 65000, ts: now }],
      timestamp: now,
      totalSymbols: 1,
      source: 'realtime',
    },
    rows: () => db.prisma.openInterestSnapshot.count(),
  },
  {
    name: 'OI alert',
    path: '/api/open-interest-alerts/ingest',
    schema: OiAlertIngestSchema,
    valid: {
      symbol: 'FOOUSDT',
      direction: 'UP',
      baseline: 1_000_000,
      current: 1_042_000,
      pctChange: 0.042,
      absChange: 42_000,
      timestamp: now,
      source: 'faults',
      timeframe: '5 min',
    },
    rows: () => db.prisma.openInterestAlert.count(),
  },
  {
    name: 'volume alert',
    path: '/api/volume-alerts/ingest',
    schema: VolumeAlertIngestSchema,
    valid: {
      symbol: 'FOOUSDT',
      asset: 'FOO',
      currentVolume: 12_500_000.5,
      previousVolume: 3_100_000,
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
    },
    rows: () => db.prisma.volumeAlert.count(),
  },
  {
    name: 'telegram',
    path: '/api/telegram/ingest',
    schema: TelegramIngestSchema,
    valid: {
      channel: { id: -1001234567890, username: 'foo', title: 'Foo' },
      messages: [
        {
          id: 1,
          text: 'hi',
          date: now,
          sender_name: null,
          views: 1,
          forwards: 0,
          has_media: false,
          media_type: null,
          links: [],
        },
      ],
    },
    rows: () => db.prisma.telegramMessage.count(),
  },
  {
    name: 'heartbeat',
    path: '/api/heartbeats',
    schema: HeartbeatSchema,
    valid: { component: 'faults', status: 'ok', details: {} },
    rows: () => db.prisma.componentHeartbeat.count(),
  },
  {
    name: 'liquid universe',
    path: '/api/market/open-interest/liquid-universe/update',
    schema: LiquidUniverseUpdateSchema,
    valid: {
      symbols: [{ symbol: 'FOOUSDT', quoteVolume24h: 5_123_456.7, enteredAt: now, lastSeenAt: now }],
      updatedAt: now,
    },
    rows: () => db.prisma.openInterestLiquidSymbol.count(),
  },
];

async function post(
  path: string,
  body: string,
  headers: Record<string, string> = { 'X-API-Key': KEY },
): Promise<number> {
  const res = await fetch(api + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

async function totalRows(): Promise<number> {
  let n = 0;
  for (const r of routes()) n += await r.rows();
  return n;
}

async function alive(): Promise<boolean> {
  const res = await fetch(`${api}/api/market/open-interest/liquid-universe`);
  await res.arrayBuffer();
  return res.status === 200;
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'faults-ingest-'));
  bus = createBus({ logger });
  const env = backendApp.loadAppEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'test',
    ALERT_INGEST_API_KEY: KEY,
    JWT_SECRET: 'faults-ingest-secret-long-enough-for-hs256',
    DATA_DIR: dataDir,
    RETENTION_INTERVAL_MS: '3600000',
    SOCKET_LEGACY_TOKEN_AUTH: 'false',
  });
  backend = await backendApp.start(env, { logger, bus, metrics: createMetrics(), dataDir, prisma: db.prisma });
  api = `http://127.0.0.1:${backend.port}`;
});

afterAll(async () => {
  summary.print();
  await backend?.stop();
  await bus?.close();
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('bad input to every ingest endpoint', () => {
  it('fixed bad inputs: wrong key, invalid JSON, NaN/Infinity, negatives, oversized, 10k arrays → 4xx, nothing written', async () => {
    await summary.run('fixed bad inputs × 6 ingest routes', async () => {
      const before = await totalRows();
      for (const r of routes()) {
        const valid = JSON.stringify(r.valid);
        expect(await post(r.path, valid, {}), `${r.name}: no key`).toBe(401);
        expect(await post(r.path, valid, { 'X-API-Key': 'wrong' }), `${r.name}: wrong key`).toBe(401);
        expect(await post(r.path, '{"data": [', {}), `${r.name}: no key + bad JSON`).toBe(401);
        for (const bad of ['{"data": [', 'NaN', '{"x": NaN}', '{"x": Infinity}', '<html>oops</html>', '']) {
          const status = await post(r.path, bad);
          expect(status, `${r.name}: ${JSON.stringify(bad)}`).toBeGreaterThanOrEqual(400);
          expect(status, `${r.name}: ${JSON.stringify(bad)}`).toBeLessThan(500);
        }
        // every numeric field negative, every string field empty, one at a time
        for (const [k, v] of Object.entries(r.valid)) {
          const mutated = {
            ...r.valid,
            [k]: typeof v === 'number' ? -1 : typeof v === 'string' ? '' : Array.isArray(v) ? [] : 42,
          };
          if (r.schema.safeParse(mutated).success) continue;
          const status = await post(r.path, JSON.stringify(mutated));
          expect(status, `${r.name}: ${k} → ${JSON.stringify(mutated[k])}`).toBeGreaterThanOrEqual(400);
          expect(status).toBeLessThan(500);
        }
      }
      // oversized body (> 5 MB) and 10k-element arrays
      const huge = JSON.stringify({ data: [{ symbol: 'X'.repeat(6 * 1024 * 1024), openInterest: 1 }] });
      const hugeStatus = await post('/api/market/open-interest/ingest', huge);
      expect(hugeStatus === 400 || hugeStatus === 413, `oversized → ${hugeStatus}`).toBe(true);
      const oiItem = { symbol: 'BTCUSDT', openInterest: 1, ts: now };
      expect(
        await post(
          '/api/market/open-interest/ingest',
          JSON.stringify({ data: Array.from({ length: 10_000 }, () => oiItem), source: 'realtime' }),
        ),
      ).toBe(400);
      const uniItem = { symbol: 'FOOUSDT', quoteVolume24h: 5e6 };
      expect(
        await post(
          '/api/market/open-interest/liquid-universe/update',
          JSON.stringify({ symbols: Array.from({ length: 10_000 }, () => uniItem) }),
        ),
      ).toBe(400);
      const msg = { id: 1, text: 'x', date: now, sender_name: null, views: null, forwards: null, media_type: null };
      expect(
        await post(
          '/api/telegram/ingest',
          JSON.stringify({
            channel: { id: 1, username: 'a', title: 'a' },
            messages: Array.from({ length: 10_000 }, (_, i) => ({ ...msg, id: i })),
          }),
        ),
      ).toBe(400);
      // unknown symbol formats
      for (const symbol of ['', 'X'.repeat(41)]) {
        expect(
          await post('/api/market/open-interest/ingest', JSON.stringify({ data: [{ symbol, openInterest: 1 }] })),
        ).toBe(400);
        expect(await post('/api/open-interest-alerts/ingest', JSON.stringify({ ...routes()[1]!.valid, symbol }))).toBe(
          400,
        );
      }
      expect(await totalRows()).toBe(before);
      expect(await alive()).toBe(true);
    });
  });

  it('fuzz (fast-check): arbitrary and near-valid bodies → 2xx only when the schema accepts, never 5xx; refusals write nothing', async () => {
    await summary.run('fast-check fuzz over 6 ingest schemas', async () => {
      const badValue = fc.oneof(
        fc.constant(null),
        fc.constant(-1),
        fc.constant(''),
        fc.constant([]),
        fc.constant({}),
        fc.constant(1e308 * 10 /* Infinity → null in JSON */),
        fc.string({ maxLength: 50 }),
        fc.double(),
        fc.boolean(),
        fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 3 }),
      );
      let refused = 0;
      let accepted = 0;
      for (const r of routes()) {
        const keys = Object.keys(r.valid);
        const nearValid = fc
          .record({ key: fc.constantFrom(...keys), value: badValue })
          .map(({ key, value }) => ({ ...r.valid, [key]: value }) as unknown);
        const arbitrary = fc.oneof(
          fc.anything({ maxDepth: 3 }),
          fc.json().map((j) => JSON.parse(j) as unknown),
          nearValid,
          nearValid,
        );
        await fc.assert(
          fc.asyncProperty(arbitrary, async (body) => {
            const text = JSON.stringify(body) ?? 'null';
            const wellFormed = r.schema.safeParse(JSON.parse(text)).success;
            const rowsBefore = await r.rows();
            const status = await post(r.path, text);
            expect(status, `${r.name} ${text.slice(0, 200)}`).toBeLessThan(500);
            if (!wellFormed) {
              expect(status, `${r.name} ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
              expect(await r.rows()).toBe(rowsBefore);
              refused++;
            } else if (status < 300) {
              accepted++;
            }
          }),
          { numRuns: 60, seed: 20261123 + keys.length },
        );
      }
      expect(refused).toBeGreaterThan(200);
      expect(await alive()).toBe(true);
      return { dataLost: 0, note: `${refused} refused, ${accepted} accepted` };
    });
  }, 90_000);
});
