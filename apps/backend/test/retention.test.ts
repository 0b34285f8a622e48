import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { createLogger } from '@volspike/runtime';
import { clearTables } from './app-helpers.js';
import { RetentionJob, downsampleCutoff, type RetentionConfig } from '../src/services/retention.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await clearTables(db.prisma, ['open_interest_snapshots', 'ingest_requests', 'email_outbox', 'volspike_adoption']);
});

const NOW = Date.parse('2025-03-10T12:02:30Z');
const job = (config: Partial<RetentionConfig> = {}) =>
  new RetentionJob({
    prisma: db.prisma,
    logger: createLogger({ name: 'test', level: 'silent' }),
    now: () => NOW,
    config: {
      sampleRetentionHours: 3,
      downsampleRetentionDays: 30,
      snapshotRetentionDays: 30,
      idempotencyRetentionHours: 24,
      emailRetentionDays: 14,
      includePreAdoption: false,
      intervalMs: 60_000,
      ...config,
    },
  });

async function sample(symbol: string, iso: string, oi: number, source = 'realtime', mark: number | null = 2) {
  await db.prisma.openInterestSnapshot.create({
    data: {
      symbol,
      ts: new Date(iso),
      openInterest: oi,
      markPrice: mark,
      openInterestUsd: mark === null ? null : oi * mark,
      source,
    },
  });
}

describe('RetentionJob', () => {
  it('aligns the downsample cutoff to a 5-minute boundary', () => {
    expect(downsampleCutoff(NOW, 3).toISOString()).toBe('2025-03-10T09:00:00.000Z');
  });

  it('collapses old realtime samples into one 5-minute row per symbol (the last of the bucket) and keeps recent ones', async () => {
    await sample('BTCUSDT', '2025-03-10T08:50:05Z', 1);
    await sample('BTCUSDT', '2025-03-10T08:52:00Z', 2);
    await sample('BTCUSDT', '2025-03-10T08:54:59Z', 3, 'realtime', null);
    await sample('BTCUSDT', '2025-03-10T08:55:00Z', 4);
    await sample('ETHUSDT', '2025-03-10T08:51:00Z', 7);
    await sample('BTCUSDT', '2025-03-10T09:00:01Z', 5); // inside the native window
    await sample('BTCUSDT', '2025-03-10T08:50:00Z', 9, 'snapshot'); // snapshots are not downsampled
    const r = await job().runOnce();
    expect(r).toMatchObject({ collapsedSamples: 5, downsampledRows: 3 });
    const rows = await db.prisma.openInterestSnapshot.findMany({
      orderBy: [{ source: 'asc' }, { symbol: 'asc' }, { ts: 'asc' }],
    });
    expect(
      rows.map((x) => [
        x.source,
        x.symbol,
        x.ts.toISOString(),
        Number(x.openInterest),
        x.markPrice === null ? null : Number(x.markPrice),
      ]),
    ).toEqual([
      ['realtime', 'BTCUSDT', '2025-03-10T09:00:01.000Z', 5, 2],
      ['realtime_5m', 'BTCUSDT', '2025-03-10T08:50:00.000Z', 3, null],
      ['realtime_5m', 'BTCUSDT', '2025-03-10T08:55:00.000Z', 4, 2],
      ['realtime_5m', 'ETHUSDT', '2025-03-10T08:50:00.000Z', 7, 2],
      ['snapshot', 'BTCUSDT', '2025-03-10T08:50:00.000Z', 9, 2],
    ]);
    // A second pass changes nothing.
    expect(await job().runOnce()).toMatchObject({ collapsedSamples: 0, downsampledRows: 0 });
  });

  it('deletes 5-minute rows and snapshots past their retention, and old idempotency records', async () => {
    await sample('BTCUSDT', '2025-02-01T00:00:00Z', 1, 'realtime_5m');
    await sample('BTCUSDT', '2025-03-01T00:00:00Z', 1, 'realtime_5m');
    await sample('BTCUSDT', '2025-02-01T00:00:00Z', 1, 'snapshot');
    await sample('BTCUSDT', '2025-02-01T00:00:00Z', 1, 'snapshot_legacy');
    await sample('BTCUSDT', '2025-03-05T00:00:00Z', 1, 'snapshot');
    await db.prisma.ingestRequest.create({
      data: {
        idempotencyKey: 'old',
        route: 'r',
        statusCode: 200,
        responseBody: {},
        createdAt: new Date(NOW - 25 * 3_600_000),
      },
    });
    await db.prisma.ingestRequest.create({
      data: {
        idempotencyKey: 'new',
        route: 'r',
        statusCode: 200,
        responseBody: {},
        createdAt: new Date(NOW - 3_600_000),
      },
    });
    const r = await job().runOnce();
    expect(r).toMatchObject({ deletedDownsampled: 1, deletedSnapshots: 2, deletedIngestRequests: 1 });
    expect(await db.prisma.openInterestSnapshot.count()).toBe(2);
    expect((await db.prisma.ingestRequest.findMany()).map((x) => x.idempotencyKey)).toEqual(['new']);
  });

  it('keeps snapshot and snapshot_legacy rows forever unless a snapshot retention is configured', async () => {
    await sample('BTCUSDT', '2020-01-01T00:00:00Z', 1, 'snapshot');
    await sample('BTCUSDT', '2020-01-01T00:00:00Z', 1, 'snapshot_legacy');
    expect(await job({ snapshotRetentionDays: null }).runOnce()).toMatchObject({ deletedSnapshots: 0 });
    expect(await db.prisma.openInterestSnapshot.count()).toBe(2);
  });

  it('never touches rows older than the adoption of a legacy database, unless told to', async () => {
    // Why: the adopted history (legacy realtime samples, 5-minute rows, snapshots) is the live system's record.
    await db.prisma.adoption.create({ data: { startedAt: new Date('2025-03-01T00:00:00Z') } });
    await sample('BTCUSDT', '2025-02-01T00:00:00Z', 1, 'snapshot');
    await sample('BTCUSDT', '2025-02-01T00:00:00Z', 1, 'realtime_5m');
    await sample('BTCUSDT', '2025-02-28T23:59:00Z', 1, 'realtime');
    await sample('BTCUSDT', '2025-02-28T23:59:30Z', 2, 'realtime');
    await sample('BTCUSDT', '2025-03-10T08:50:05Z', 3, 'realtime'); // after the adoption: downsampled as always
    await sample('BTCUSDT', '2025-03-05T00:00:00Z', 1, 'snapshot');
    expect(await job({ snapshotRetentionDays: 1, downsampleRetentionDays: 1 }).runOnce()).toMatchObject({
      collapsedSamples: 1,
      deletedDownsampled: 0,
      deletedSnapshots: 1,
    });
    const left = await db.prisma.openInterestSnapshot.findMany({ orderBy: [{ ts: 'asc' }, { source: 'asc' }] });
    expect(left.map((x) => [x.source, x.ts.toISOString()])).toEqual([
      ['realtime_5m', '2025-02-01T00:00:00.000Z'],
      ['snapshot', '2025-02-01T00:00:00.000Z'],
      ['realtime', '2025-02-28T23:59:00.000Z'],
      ['realtime', '2025-02-28T23:59:30.000Z'],
      ['realtime_5m', '2025-03-10T08:50:00.000Z'],
    ]);
    const all = await job({ snapshotRetentionDays: 1, downsampleRetentionDays: 1, includePreAdoption: true }).runOnce();
    expect(all).toMatchObject({ collapsedSamples: 2, deletedSnapshots: 1 });
    expect(
      await db.prisma.openInterestSnapshot.count({ where: { ts: { lt: new Date('2025-03-01T00:00:00Z') } } }),
    ).toBe(0);
  });

  it('deletes sent and given-up emails past their retention and never a queued one', async () => {
    const day = 86_400_000;
    const mail = (dedupeKey: string, data: { sentAt?: Date; failedAt?: Date; createdAt: Date }) =>
      db.prisma.emailOutbox.create({
        data: {
          kind: 'user-alert-triggered',
          dedupeKey,
          toAddress: 'a@example.com',
          subject: 's',
          textBody: 't',
          ...data,
        },
      });
    await mail('old-sent', { createdAt: new Date(NOW - 20 * day), sentAt: new Date(NOW - 15 * day) });
    await mail('old-failed', { createdAt: new Date(NOW - 20 * day), failedAt: new Date(NOW - 15 * day) });
    await mail('old-queued', { createdAt: new Date(NOW - 20 * day) }); // SMTP_URL unset for weeks: still sent later
    await mail('recent-sent', { createdAt: new Date(NOW - 2 * day), sentAt: new Date(NOW - day) });
    await mail('recent-failed', { createdAt: new Date(NOW - 2 * day), failedAt: new Date(NOW - day) });
    expect(await job().runOnce()).toMatchObject({ deletedEmails: 2 });
    const left = await db.prisma.emailOutbox.findMany({ orderBy: { dedupeKey: 'asc' } });
    expect(left.map((x) => x.dedupeKey)).toEqual(['old-queued', 'recent-failed', 'recent-sent']);
  });

  it('runs on a timer chain and stops cleanly', async () => {
    await sample('BTCUSDT', '2025-03-10T08:50:05Z', 1);
    const j = job();
    j.start(0);
    await expect
      .poll(() => db.prisma.openInterestSnapshot.count({ where: { source: 'realtime_5m' } }), { timeout: 5000 })
      .toBe(1);
    await j.stop();
  });
});
