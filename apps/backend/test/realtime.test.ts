import type { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OiAlertEventSchema,
  OiUpdateEventSchema,
  OiUpdatesEventSchema,
  VolumeAlertRowSchema,
} from '@volspike/contracts';
import { Prisma } from '@volspike/db';
import { createTestDatabase } from '@volspike/db/testing';
import type { TestDatabase } from '@volspike/db/testing';
import { FREE_PERIOD_MS, nextBoundary } from '../src/realtime/index.js';
import type { StoredVolumeAlert as VolumeAlertRow } from '@volspike/contracts';
import { connectClient, createUser, startRealtimeServer, waitFor } from './realtime-helpers.js';
import type { RealtimeServer, RecordingClient } from './realtime-helpers.js';

function volumeRow(id: string, detectionIso: string): VolumeAlertRow {
  const detection = new Date(detectionIso);
  return {
    id,
    symbol: 'BTCUSDT',
    asset: 'BTC',
    currentVolume: 3_000_000,
    previousVolume: 1_000_000,
    volumeRatio: 3,
    price: 65000.5,
    fundingRate: 0.0001,
    alertType: 'SPIKE',
    message: 'BTC hourly volume 3.00M (3.00x prev)',
    timestamp: new Date(detection.getTime() + 20_000),
    hourTimestamp: new Date('2026-01-01T10:00:00.000Z'),
    isUpdate: false,
    candleDirection: 'bullish',
    detectionTime: detection,
    oiChange: null,
    priceChange: 0.012,
  };
}

describe('Socket.IO fan-out by tier (legacy rules, docs/legacy-contracts.md §3)', () => {
  let db: TestDatabase;
  let srv: RealtimeServer;
  // The server is typed by the contract; this probe event is not in it on purpose (a room check only).
  const untypedIo = () => srv.realtime.io as unknown as Server;
  let offset = 0;
  const clock = () => Date.now() + offset;
  const clients: Record<string, RecordingClient> = {};
  let proId = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startRealtimeServer(db.prisma, { now: clock, oiUpdateTickMs: 50 });
    const users = {
      free: await createUser(db.prisma, { email: 'free@example.com', tier: 'free' }),
      pro: await createUser(db.prisma, { email: 'pro@example.com', tier: 'pro' }),
      elite: await createUser(db.prisma, { email: 'elite@example.com', tier: 'elite' }),
      admin: await createUser(db.prisma, { email: 'admin@example.com', tier: 'free', role: 'ADMIN' }),
      batch: await createUser(db.prisma, { email: 'batch@example.com', tier: 'elite' }),
    };
    proId = users.pro.id;
    clients.guest = await connectClient(srv.url, { token: 'guest' }, { query: { tier: 'free' }, clock });
    for (const name of ['free', 'pro', 'elite', 'admin', 'batch'] as const) {
      const token = await srv.auth.signToken(users[name]);
      clients[name] = await connectClient(srv.url, { token }, { clock });
    }
    await clients.batch!.socket.emitWithAck('subscribe-oi-batch');
  });

  afterAll(async () => {
    for (const c of Object.values(clients)) c.socket.close();
    await srv?.close();
    await db?.drop();
  });

  it('sends `connected` with the tier and its refresh interval', () => {
    const connected = (name: string) => clients[name]!.of('connected')[0]?.payload;
    expect(connected('guest')).toEqual({ tier: 'free', refreshInterval: 900_000 });
    expect(connected('free')).toEqual({ tier: 'free', refreshInterval: 900_000 });
    expect(connected('pro')).toEqual({ tier: 'pro', refreshInterval: 300_000 });
    expect(connected('elite')).toEqual({ tier: 'elite', refreshInterval: 30_000 });
    expect(connected('admin')).toEqual({ tier: 'free', refreshInterval: 900_000 });
  });

  it('gives every client exactly the legacy events, with pro/free volume alerts held to the 5/15-minute boundary', async () => {
    // The injected clock sits 600 ms before a quarter-hour boundary, so queued alerts are released soon.
    const boundary = nextBoundary(Date.now(), FREE_PERIOD_MS) + FREE_PERIOD_MS;
    offset = boundary - 600 - Date.now();

    srv.realtime.emitVolumeAlert(volumeRow('va-00', '2026-01-01T10:00:00.000Z')); // minute 0: everyone now
    srv.realtime.emitVolumeAlert(volumeRow('va-05', '2026-01-01T10:05:00.000Z')); // minute 5: elite+pro now
    srv.realtime.emitVolumeAlert(volumeRow('va-07', '2026-01-01T10:07:00.000Z')); // minute 7: elite now
    srv.realtime.emitOiAlert({
      id: 'oi-1',
      symbol: 'ETHUSDT',
      direction: 'UP',
      baseline: new Prisma.Decimal('1000.5'),
      current: new Prisma.Decimal('1100.55'),
      pctChange: new Prisma.Decimal('0.1'),
      absChange: new Prisma.Decimal('100.05'),
      priceChange: null,
      fundingRate: new Prisma.Decimal('0.00012345'),
      timeframe: '5 min',
      source: 'oi_realtime_poller',
      ts: new Date('2026-01-01T10:07:30.000Z'),
      createdAt: new Date('2026-01-01T10:07:31.000Z'),
    });
    const ts = new Date('2026-01-01T10:07:30.000Z');
    srv.realtime.queueOiUpdates([
      { symbol: 'BTCUSDT', openInterest: 100, openInterestUsd: 6_500_000, markPrice: 65_000, ts },
      { symbol: 'ETHUSDT', openInterest: 7, openInterestUsd: 0, markPrice: null, ts },
    ]);
    srv.realtime.queueOiUpdates([
      {
        symbol: 'BTCUSDT',
        openInterest: 101,
        openInterestUsd: 6_565_000,
        markPrice: 65_000,
        ts: new Date(ts.getTime() + 5000),
      },
    ]);
    srv.realtime.emitUserAlertTriggered(proId, {
      id: 'ua-1',
      symbol: 'BTCUSDT',
      alertType: 'PRICE_CROSS',
      alertTypeName: 'Price',
      threshold: 65000,
      thresholdFormatted: '$65,000',
      currentValue: 65000.5,
      currentValueFormatted: '$65,000.5',
      previousValue: 64999,
      previousValueFormatted: '$64,999',
      crossedUp: true,
      direction: 'above',
      timestamp: '2026-01-01T10:07:30.000Z',
    });

    await waitFor(() => clients.free!.of('volume-alert').length === 3 && clients.pro!.of('volume-alert').length === 3);
    // Nothing else may arrive: a minute-0 volume alert (everyone at once) and an OI update for another symbol,
    // sent after the boundary release, reach every client behind anything still owed on either path.
    srv.realtime.emitVolumeAlert(volumeRow('va-marker', '2026-01-01T10:15:00.000Z'));
    srv.realtime.queueOiUpdates([
      { symbol: 'SOLUSDT', openInterest: 5, openInterestUsd: 750, markPrice: 150, ts: new Date(ts.getTime() + 10_000) },
    ]);
    const gotMarkers = (c: RecordingClient, oiEvent: string) =>
      c.of('volume-alert').some((e) => (e.payload as { id: string }).id === 'va-marker') &&
      c.of(oiEvent).some((e) => JSON.stringify(e.payload).includes('SOLUSDT'));
    await waitFor(() =>
      Object.entries(clients).every(([name, c]) =>
        gotMarkers(c, name === 'batch' ? 'open-interest-updates' : 'open-interest-update'),
      ),
    );
    const isMarker = (e: { payload: unknown }) => /va-marker|SOLUSDT/.test(JSON.stringify(e.payload));

    const summary = (c: RecordingClient) =>
      c.events
        .filter((e) => e.event !== 'connected' && !isMarker(e))
        .map((e) => {
          const p = e.payload as Record<string, unknown>;
          if (e.event === 'volume-alert')
            return `volume-alert ${String(p.id)} ${e.at >= boundary ? 'at-boundary' : 'now'}`;
          if (e.event === 'open-interest-update') return `oi-update ${String(p.symbol)}`;
          if (e.event === 'open-interest-updates') return `oi-updates ${(p.updates as unknown[]).length}`;
          return e.event;
        })
        .sort();
    const freeLike = [
      'oi-update BTCUSDT',
      'oi-update ETHUSDT',
      'volume-alert va-00 now',
      'volume-alert va-05 at-boundary',
      'volume-alert va-07 at-boundary',
    ];
    expect(summary(clients.guest!)).toEqual(freeLike);
    expect(summary(clients.free!)).toEqual(freeLike);
    expect(summary(clients.admin!)).toEqual(['open-interest-alert', ...freeLike].sort());
    expect(summary(clients.pro!)).toEqual(
      [
        'open-interest-alert',
        'oi-update BTCUSDT',
        'oi-update ETHUSDT',
        'user-alert-triggered',
        'volume-alert va-00 now',
        'volume-alert va-05 now',
        'volume-alert va-07 at-boundary',
      ].sort(),
    );
    expect(summary(clients.elite!)).toEqual(
      [
        'open-interest-alert',
        'oi-update BTCUSDT',
        'oi-update ETHUSDT',
        'volume-alert va-00 now',
        'volume-alert va-05 now',
        'volume-alert va-07 now',
      ].sort(),
    );
    expect(summary(clients.batch!)).toEqual(
      [
        'oi-updates 2',
        'open-interest-alert',
        'volume-alert va-00 now',
        'volume-alert va-05 now',
        'volume-alert va-07 now',
      ].sort(),
    );
  });

  it('sends legacy payloads: full volume row with ISO dates, OI alert numbers (no Decimals), newest OI per symbol', () => {
    const vol = clients.elite!.of('volume-alert').find((e) => (e.payload as { id: string }).id === 'va-05')!.payload;
    expect(VolumeAlertRowSchema.safeParse(vol).success).toBe(true);
    expect(OiAlertEventSchema.safeParse(clients.admin!.of('open-interest-alert')[0]!.payload).success).toBe(true);
    for (const u of clients.pro!.of('open-interest-update')) expect(OiUpdateEventSchema.parse(u.payload)).toBeTruthy();
    expect(vol).toEqual({
      id: 'va-05',
      symbol: 'BTCUSDT',
      asset: 'BTC',
      currentVolume: 3_000_000,
      previousVolume: 1_000_000,
      volumeRatio: 3,
      price: 65000.5,
      fundingRate: 0.0001,
      alertType: 'SPIKE',
      message: 'BTC hourly volume 3.00M (3.00x prev)',
      timestamp: '2026-01-01T10:05:20.000Z',
      hourTimestamp: '2026-01-01T10:00:00.000Z',
      isUpdate: false,
      candleDirection: 'bullish',
      detectionTime: '2026-01-01T10:05:00.000Z',
      oiChange: null,
      priceChange: 0.012,
    });
    expect(clients.admin!.of('open-interest-alert')[0]!.payload).toEqual({
      id: 'oi-1',
      symbol: 'ETHUSDT',
      direction: 'UP',
      baseline: 1000.5,
      current: 1100.55,
      pctChange: 0.1,
      absChange: 100.05,
      priceChange: null,
      fundingRate: 0.00012345,
      timeframe: '5 min',
      source: 'oi_realtime_poller',
      ts: '2026-01-01T10:07:30.000Z',
      createdAt: '2026-01-01T10:07:31.000Z',
    });
    const updates = clients.pro!.of('open-interest-update').map((e) => e.payload as Record<string, unknown>);
    const btc = updates.find((u) => u.symbol === 'BTCUSDT')!;
    const eth = updates.find((u) => u.symbol === 'ETHUSDT')!;
    expect(btc).toMatchObject({ symbol: 'BTCUSDT', openInterest: 101, openInterestUsd: 6_565_000, source: 'realtime' });
    expect(eth).toMatchObject({ openInterest: 7, openInterestUsd: null });
    expect(Object.keys(btc).sort()).toEqual(['openInterest', 'openInterestUsd', 'source', 'symbol', 'timestamp']);
    const batchEvent = OiUpdatesEventSchema.parse(clients.batch!.of('open-interest-updates')[0]!.payload);
    const batch = batchEvent.updates as Record<string, unknown>[];
    expect(batch.find((b) => b.symbol === 'BTCUSDT')).toMatchObject({
      openInterest: 101,
      markPrice: 65_000,
      ts: '2026-01-01T10:07:35.000Z',
    });
    expect(batch.find((b) => b.symbol === 'ETHUSDT')).toMatchObject({ openInterestUsd: null, markPrice: null });
  });

  it('holds a minute-7 alert for free until the quarter hour even after pro got it at the 5-minute boundary', async () => {
    const fiveOnly = nextBoundary(Date.now() + offset, FREE_PERIOD_MS) + 5 * 60_000; // a :05/:20/:35/:50 boundary
    offset = fiveOnly - 300 - Date.now();
    srv.realtime.emitVolumeAlert(volumeRow('va-12', '2026-01-01T10:12:00.000Z'));
    await waitFor(() => clients.pro!.of('volume-alert').some((e) => (e.payload as { id: string }).id === 'va-12'));
    expect(
      clients.pro!.of('volume-alert').find((e) => (e.payload as { id: string }).id === 'va-12')!.at,
    ).toBeGreaterThanOrEqual(fiveOnly);
    // A minute-0 alert goes to free at once, on the same socket, behind va-12 if va-12 had been sent to free.
    srv.realtime.emitVolumeAlert(volumeRow('va-marker-12', '2026-01-01T10:15:00.000Z'));
    await waitFor(() =>
      clients.free!.of('volume-alert').some((e) => (e.payload as { id: string }).id === 'va-marker-12'),
    );
    expect(clients.free!.of('volume-alert').some((e) => (e.payload as { id: string }).id === 'va-12')).toBe(false);
    expect(srv.realtime.pending()).toMatchObject({ pro: 0, free: 1 });
  });

  it('joins and leaves symbol rooms on subscribe-symbol / unsubscribe-symbol', async () => {
    const c = clients.free!;
    expect(await c.socket.emitWithAck('subscribe-symbol', 'btcusdt')).toEqual({ ok: true });
    untypedIo().to('symbol-BTCUSDT').emit('symbol-probe', 1);
    await waitFor(() => c.of('symbol-probe').length === 1);
    expect(await c.socket.emitWithAck('unsubscribe-symbol', 'BTCUSDT')).toEqual({ ok: true });
    untypedIo().to('symbol-BTCUSDT').emit('symbol-probe', 2);
    untypedIo().to(c.socket.id!).emit('symbol-probe-marker', 2); // same socket, after probe 2
    await waitFor(() => c.of('symbol-probe-marker').length === 1);
    expect(c.of('symbol-probe')).toHaveLength(1);
  });

  it('counts connected clients by tier', () => {
    expect(srv.realtime.stats()).toEqual({ clients: 6, byTier: { free: 3, pro: 1, elite: 2 } });
  });
});
