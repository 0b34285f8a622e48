// open_interest_latest written behind the OI ingest (services/oi-latest.ts), against real Postgres: the merge
// in memory gives the row that writing every value in turn gives, a failed write loses nothing, the timer writes
// without being asked, and the repair at start-up rebuilds what a crash left pending.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryDirect, type PrismaClient } from '@volspike/db';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { createLogger } from '@volspike/runtime';
import { LatestOiWriter, combineLatest, type LatestOiValue, type QueryFn } from '../src/services/oi-latest.js';
import { OiIngestStore } from '../src/services/oi-store.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const ROUTE = 'POST /api/market/open-interest/ingest';

let db: TestDatabase;
const writers: LatestOiWriter[] = [];
const newWriter = (opts: { flushIntervalMs?: number; query?: QueryFn } = {}) => {
  const w = new LatestOiWriter({ prisma: db.prisma, logger, flushIntervalMs: opts.flushIntervalMs ?? 60_000, ...opts });
  writers.push(w);
  return w;
};

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await db.prisma.$executeRawUnsafe('TRUNCATE open_interest_snapshots, open_interest_latest, ingest_requests');
});
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.close()));
});

const value = (
  symbol: string,
  ts: number,
  openInterest: number,
  usd: number | null,
  mark: number | null,
  source = 'realtime',
): LatestOiValue => ({ symbol, openInterest, openInterestUsd: usd, markPrice: mark, ts: new Date(ts), source });

async function stored(prisma: PrismaClient, symbol: string) {
  const r = await prisma.openInterestLatest.findUnique({ where: { symbol } });
  return (
    r && {
      openInterest: Number(r.openInterest),
      openInterestUsd: r.openInterestUsd === null ? null : Number(r.openInterestUsd),
      markPrice: r.markPrice === null ? null : Number(r.markPrice),
      ts: r.ts.getTime(),
      source: r.source,
    }
  );
}

describe('combineLatest', () => {
  it('ignores an older value, keeps USD and mark that a later value lacks, and takes a later USD with its mark', () => {
    const a = value('X', 2000, 10, 500, 50);
    expect(combineLatest(a, value('X', 1000, 99, 1, 1))).toBe(a);
    expect(combineLatest(a, value('X', 3000, 11, null, null))).toEqual(value('X', 3000, 11, 500, 50));
    expect(combineLatest(a, value('X', 3000, 11, null, 60))).toEqual(value('X', 3000, 11, 500, 60));
    expect(combineLatest(a, value('X', 2000, 12, 700, null))).toEqual(value('X', 2000, 12, 700, null));
  });
});

describe('LatestOiWriter', () => {
  it('merged in memory and written once, gives the row that writing every value in turn gives', async () => {
    const sample = fc.record({
      ts: fc.integer({ min: 0, max: 5 }),
      oi: fc.integer({ min: 1, max: 1_000_000 }),
      usd: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: null }),
      mark: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(sample, { minLength: 1, maxLength: 8 }), async (samples) => {
        await db.prisma.$executeRawUnsafe('TRUNCATE open_interest_latest');
        const toValue = (symbol: string) => (s: (typeof samples)[number]) =>
          value(symbol, 1_700_000_000_000 + s.ts * 1000, s.oi, s.usd, s.mark);
        const eachInTurn = newWriter();
        for (const v of samples.map(toValue('EACHUSDT'))) {
          eachInTurn.record([v]);
          await eachInTurn.flush();
        }
        const merged = newWriter();
        merged.record(samples.map(toValue('MERGEDUSDT')));
        expect(merged.pendingCount).toBe(1);
        await merged.flush();
        expect(await stored(db.prisma, 'MERGEDUSDT')).toEqual(await stored(db.prisma, 'EACHUSDT'));
      }),
      { numRuns: 40 },
    );
  });

  it('never lets a pending older value replace a newer stored row', async () => {
    const other = newWriter(); // another backend process, ahead of this one
    other.record([value('BTCUSDT', 5000, 2, 200, 100)]);
    await other.flush();
    const w = newWriter();
    w.record([value('BTCUSDT', 4000, 1, 100, 100)]);
    await w.flush();
    expect(await stored(db.prisma, 'BTCUSDT')).toMatchObject({ openInterest: 2, ts: 5000 });
  });

  it('writes on its own within the flush interval', async () => {
    const w = newWriter({ flushIntervalMs: 30 });
    w.record([value('ETHUSDT', 1000, 7, 70, 10)]);
    const deadline = Date.now() + 5000;
    while ((await stored(db.prisma, 'ETHUSDT')) === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(await stored(db.prisma, 'ETHUSDT')).toMatchObject({ openInterest: 7, openInterestUsd: 70, ts: 1000 });
    expect(w.pendingCount).toBe(0);
  });

  it('keeps the values of a failed write, merged under later ones, and writes them when the database is back', async () => {
    let down = true;
    const attempts: number[] = [];
    const query: QueryFn = (sql, values) => {
      attempts.push(Date.now());
      return down ? Promise.reject(new Error('connection refused')) : queryDirect(db.prisma, sql, values);
    };
    const w = newWriter({ flushIntervalMs: 20, query });
    w.record([value('SOLUSDT', 1000, 5, 500, 100), value('XRPUSDT', 1000, 9, 90, 10)]);
    await expect(w.flush()).rejects.toThrow('connection refused');
    w.record([value('SOLUSDT', 2000, 6, null, null)]); // arrives while the database is down
    expect(w.pendingCount).toBe(2);
    // the timer retries on its own, with backoff, not in a tight loop: retry i waits at least half of
    // 20 ms · 2^(i-1) (the jitter's lower end; a timer never fires early, 2 ms for rounding)
    const deadline = Date.now() + 5000;
    while (attempts.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(attempts.length).toBeGreaterThanOrEqual(4);
    const gaps = attempts.slice(1, 4).map((t, i) => t - attempts[i]!);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(20 * 2 ** i * 0.5 - 2));
    down = false;
    await w.flush();
    expect(w.pendingCount).toBe(0);
    expect(await stored(db.prisma, 'SOLUSDT')).toMatchObject({
      openInterest: 6,
      openInterestUsd: 500,
      markPrice: 100,
      ts: 2000,
    });
    expect(await stored(db.prisma, 'XRPUSDT')).toMatchObject({ openInterest: 9, openInterestUsd: 90, ts: 1000 });
  });

  it('writes what is pending when closed (the shutdown path)', async () => {
    const w = newWriter();
    w.record([value('ADAUSDT', 1000, 3, null, 2)]);
    await w.close();
    expect(await stored(db.prisma, 'ADAUSDT')).toMatchObject({ openInterest: 3, openInterestUsd: null, markPrice: 2 });
  });

  it('rebuilds, at the next start, the values a crash left pending (and leaves newer rows alone)', async () => {
    let crashed = false;
    const query: QueryFn = (sql, values) =>
      crashed ? Promise.reject(new Error('process killed')) : queryDirect(db.prisma, sql, values); // writes nothing
    const w = newWriter({ query });
    const store = new OiIngestStore(db.prisma, w);
    // samples of the last minute (the repair looks back 10 minutes from the last write)
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const batch = (t: number, oi: number, usd: number | null, mark: number | null) =>
      ['AUSDT', 'BUSDT'].map((symbol) => ({
        symbol,
        ts: new Date(t),
        openInterest: oi,
        openInterestUsd: usd,
        markPrice: mark,
      }));
    await store.ingest(batch(t0, 10, 1000, 100), 'realtime', { key: undefined, route: ROUTE });
    await w.flush();
    await store.ingest(batch(t0 + 5000, 11, null, 50), 'realtime', { key: undefined, route: ROUTE });
    await store.ingest(
      [{ symbol: 'CUSDT', ts: new Date(t0 + 5000), openInterest: 4, openInterestUsd: null, markPrice: null }],
      'snapshot',
      { key: undefined, route: ROUTE },
    );
    crashed = true;
    expect(w.pendingCount).toBe(3);
    // meanwhile another process wrote a newer value of BUSDT
    const other = newWriter();
    other.record([value('BUSDT', t0 + 9000, 12, 1200, 100)]);
    await other.flush();

    const restarted = newWriter();
    expect(await restarted.repair()).toBe(2);
    expect(await stored(db.prisma, 'AUSDT')).toMatchObject({
      openInterest: 11,
      openInterestUsd: 550, // oi × mark, as the ingest computes it
      markPrice: 50,
      ts: t0 + 5000,
    });
    expect(await stored(db.prisma, 'BUSDT')).toMatchObject({ openInterest: 12, ts: t0 + 9000 });
    expect(await stored(db.prisma, 'CUSDT')).toMatchObject({
      openInterest: 4,
      openInterestUsd: null,
      source: 'snapshot',
    });
    expect(await restarted.repair()).toBe(0); // nothing left to repair
  });

  it('retries the repair while the database is unreachable, and flushes wait for it', async () => {
    let failures = 2;
    const query: QueryFn = (sql, values) =>
      failures-- > 0 ? Promise.reject(new Error('starting up')) : queryDirect(db.prisma, sql, values);
    const w = newWriter({ query });
    await db.prisma.openInterestSnapshot.create({
      data: {
        id: 'x1',
        symbol: 'DOGEUSDT',
        ts: new Date(1000),
        openInterest: 1,
        openInterestUsd: 10,
        source: 'realtime',
      },
    });
    await w.repairUntilDone();
    expect(failures).toBeLessThan(0);
    expect(await stored(db.prisma, 'DOGEUSDT')).toMatchObject({ openInterest: 1, openInterestUsd: 10 });
  });
});
