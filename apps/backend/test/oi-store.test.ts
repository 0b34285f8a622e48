// The one-statement OI ingest (services/oi-store.ts) on both databases the product runs on: a real Postgres
// server and the embedded PGlite of `npm run demo`. The HTTP behaviour is covered in open-interest.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPrismaClient, migrate, startEmbeddedPostgres, type PrismaClient } from '@volspike/db';
import { createTestDatabase } from '@volspike/db/testing';
import { createLogger } from '@volspike/runtime';
import { LatestOiWriter } from '../src/services/oi-latest.js';
import { OiIngestStore, type OiRow } from '../src/services/oi-store.js';

const ROUTE = 'POST /api/market/open-interest/ingest';

const backends: { name: string; open(): Promise<{ prisma: PrismaClient; close(): Promise<void> }> }[] = [
  {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase();
      return { prisma: db.prisma, close: () => db.drop() };
    },
  },
  {
    name: 'pglite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'volspike-oi-store-'));
      const pg = await startEmbeddedPostgres({ dataDir: dir });
      await migrate(pg.url);
      const prisma = createPrismaClient(pg.url);
      return {
        prisma,
        async close() {
          await prisma.$disconnect();
          await pg.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

const row = (
  symbol: string,
  ts: string,
  openInterest: number,
  usd: number | null = null,
  mark: number | null = null,
): OiRow => ({
  symbol,
  ts: new Date(ts),
  openInterest,
  openInterestUsd: usd,
  markPrice: mark,
});

describe.each(backends)('OI ingest statement on $name', ({ open }) => {
  let db: { prisma: PrismaClient; close(): Promise<void> };
  beforeAll(async () => {
    db = await open();
  }, 180_000); // PGlite's first initdb (WASM) is slow on a loaded 2-core machine
  afterAll(async () => {
    await db?.close();
  });
  let store: OiIngestStore;
  let writer: LatestOiWriter;
  const logger = createLogger({ name: 'test', level: 'silent' });
  // A backend started on this database; open_interest_latest is written when a test flushes.
  const startBackend = () => {
    writer = new LatestOiWriter({ prisma: db.prisma, logger, flushIntervalMs: 60_000 });
    return new OiIngestStore(db.prisma, writer);
  };
  beforeEach(async () => {
    await db.prisma.$executeRawUnsafe('TRUNCATE open_interest_snapshots, open_interest_latest, ingest_requests');
    store = startBackend();
  });
  afterEach(async () => {
    await writer.close();
  });

  it('writes a batch, skips its retry, keeps nulls, and records the answer under the key', async () => {
    const rows = [
      row('BTCUSDT', '2025-03-01T10:00:00.250Z', 81234.5, 5280242500, 65000),
      row('ETHUSDT', '2025-03-01T10:00:00.250Z', 10),
      row('NULL', '2025-03-01T10:00:01Z', 3, null, 2),
    ];
    const first = await store.ingest(rows, 'realtime', { key: 'k-1', route: ROUTE });
    expect(first).toEqual({ status: 200, body: { success: true, inserted: 3, duplicates: 0, cached: 3 } });
    const again = await store.ingest(rows, 'realtime', { key: undefined, route: ROUTE });
    expect(again).toEqual({ status: 200, body: { success: true, inserted: 0, duplicates: 3, cached: 3 } });
    const stored = await db.prisma.openInterestSnapshot.findMany({ orderBy: { symbol: 'asc' } });
    expect(
      stored.map((r) => [
        r.symbol,
        r.ts.toISOString(),
        Number(r.openInterest),
        r.openInterestUsd && Number(r.openInterestUsd),
        r.markPrice && Number(r.markPrice),
        r.source,
      ]),
    ).toEqual([
      ['BTCUSDT', '2025-03-01T10:00:00.250Z', 81234.5, 5280242500, 65000, 'realtime'],
      ['ETHUSDT', '2025-03-01T10:00:00.250Z', 10, null, null, 'realtime'],
      ['NULL', '2025-03-01T10:00:01.000Z', 3, null, 2, 'realtime'],
    ]);
    // the symbol "NULL" is text, and its latest USD is oi × mark
    await writer.flush();
    const latest = await db.prisma.openInterestLatest.findUniqueOrThrow({ where: { symbol: 'NULL' } });
    expect([Number(latest.openInterestUsd), Number(latest.markPrice)]).toEqual([6, 2]);
    const record = await db.prisma.ingestRequest.findUniqueOrThrow({ where: { idempotencyKey: 'k-1' } });
    expect([record.route, record.statusCode, record.responseBody]).toEqual([
      ROUTE,
      200,
      { success: true, inserted: 3, duplicates: 0, cached: 3 },
    ]);
  });

  it('returns the stored answer for a known key and writes nothing', async () => {
    await store.ingest([row('BTCUSDT', '2025-03-01T10:00:00Z', 1)], 'realtime', {
      key: 'k-2',
      route: ROUTE,
    });
    const replay = await store.ingest([row('BTCUSDT', '2025-03-01T10:05:00Z', 2)], 'realtime', {
      key: 'k-2',
      route: ROUTE,
    });
    expect(replay).toEqual({
      prior: { route: ROUTE, status: 200, body: { success: true, inserted: 1, duplicates: 0, cached: 1 } },
    });
    expect(await db.prisma.openInterestSnapshot.count()).toBe(1);
    await writer.flush();
    const latest = await db.prisma.openInterestLatest.findUniqueOrThrow({ where: { symbol: 'BTCUSDT' } });
    expect(Number(latest.openInterest)).toBe(1);
  });

  it('keeps the newest sample per symbol as latest and never lets an older batch or a null USD replace it', async () => {
    await store.ingest(
      [row('BTCUSDT', '2025-03-01T10:00:10Z', 5, 500, 100), row('BTCUSDT', '2025-03-01T10:00:05Z', 4, 400, 100)],
      'realtime',
      { key: undefined, route: ROUTE },
    );
    await store.ingest([row('BTCUSDT', '2025-03-01T10:00:00Z', 1, 1, 1)], 'realtime', {
      key: undefined,
      route: ROUTE,
    });
    await store.ingest([row('BTCUSDT', '2025-03-01T10:00:20Z', 6)], 'snapshot', {
      key: undefined,
      route: ROUTE,
    });
    await writer.flush();
    const latest = await db.prisma.openInterestLatest.findUniqueOrThrow({ where: { symbol: 'BTCUSDT' } });
    expect([
      Number(latest.openInterest),
      Number(latest.openInterestUsd),
      Number(latest.markPrice),
      latest.ts.toISOString(),
      latest.source,
    ]).toEqual([6, 500, 100, '2025-03-01T10:00:20.000Z', 'snapshot']);
    expect(await db.prisma.openInterestSnapshot.count()).toBe(4);
  });

  it('writes 500 rows in one statement', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => row(`S${i}USDT`, '2025-03-01T10:00:00Z', i + 0.125, null, 2));
    const r = await store.ingest(rows, 'realtime', { key: 'k-500', route: ROUTE });
    expect(r).toEqual({ status: 200, body: { success: true, inserted: 500, duplicates: 0, cached: 500 } });
    const sum = await db.prisma.openInterestSnapshot.aggregate({ _sum: { openInterest: true } });
    expect(Number(sum._sum.openInterest)).toBe((499 * 500) / 2 + 500 * 0.125);
  });

  it('stores the first item of a (symbol, time) the batch repeats and makes the last one latest', async () => {
    const r = await store.ingest(
      [
        row('BTCUSDT', '2025-03-01T10:00:00Z', 1),
        row('ETHUSDT', '2025-03-01T10:00:00Z', 7),
        row('BTCUSDT', '2025-03-01T10:00:00Z', 2),
      ],
      'realtime',
      { key: undefined, route: ROUTE },
    );
    expect(r).toEqual({ status: 200, body: { success: true, inserted: 2, duplicates: 1, cached: 2 } });
    const btc = await db.prisma.openInterestSnapshot.findMany({ where: { symbol: 'BTCUSDT' } });
    expect(btc.map((x) => Number(x.openInterest))).toEqual([1]);
    await writer.flush();
    const latest = await db.prisma.openInterestLatest.findUniqueOrThrow({ where: { symbol: 'BTCUSDT' } });
    expect(Number(latest.openInterest)).toBe(2);
  });

  it('stores every row once when overlapping batches arrive at the same time (no error for the losers)', async () => {
    // Why: the usual statement inserts without ON CONFLICT; a concurrent batch that stores the same rows first
    // makes it fail with a unique violation, which must be retried, not answered with a 500.
    // Open the pool's connections first, so that the batches really run at the same time.
    await Promise.all(Array.from({ length: 6 }, () => db.prisma.$executeRawUnsafe('SELECT pg_sleep(0.05)')));
    for (let round = 0; round < 5; round++) {
      const ts = `2025-03-01T10:0${round}:00Z`;
      const rows = Array.from({ length: 500 }, (_, i) => row(`C${i}USDT`, ts, i + 1));
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store.ingest(i % 2 ? rows : [...rows].reverse(), 'realtime', { key: undefined, route: ROUTE }),
        ),
      );
      let inserted = 0;
      for (const r of results) {
        if (!('body' in r)) throw new Error('unexpected replay');
        expect(r.body.inserted + r.body.duplicates).toBe(500);
        inserted += r.body.inserted;
      }
      expect(inserted).toBe(500);
    }
    expect(await db.prisma.openInterestSnapshot.count()).toBe(2500);
  });

  it('counts as cached the symbols already stored when the backend started, then each new one once', async () => {
    await store.ingest([row('AUSDT', '2025-03-01T10:00:00Z', 1), row('BUSDT', '2025-03-01T10:00:00Z', 1)], 'realtime', {
      key: undefined,
      route: ROUTE,
    });
    await writer.close(); // the first backend's shutdown
    const restarted = startBackend();
    const r = await restarted.ingest(
      [
        row('BUSDT', '2025-03-01T10:00:05Z', 2),
        row('CUSDT', '2025-03-01T10:00:05Z', 3),
        row('CUSDT', '2025-03-01T10:00:06Z', 4),
      ],
      'realtime',
      { key: undefined, route: ROUTE },
    );
    expect(r).toEqual({ status: 200, body: { success: true, inserted: 3, duplicates: 0, cached: 3 } });
    await writer.flush();
    expect(await db.prisma.openInterestLatest.count()).toBe(3);
  });
});
