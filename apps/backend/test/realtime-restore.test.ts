// Volume alerts that were waiting for the pro (5 min) or free (15 min) boundary when the backend stopped are
// pushed at that boundary by the next process (the queues live in memory; the rows are in volume_alerts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { FREE_PERIOD_MS, nextBoundary } from '../src/realtime/index.js';
import { connectClient, createUser, startRealtimeServer, waitFor } from './realtime-helpers.js';
import type { RealtimeServer, RecordingClient } from './realtime-helpers.js';

describe('volume alerts queued for a tier boundary survive a backend restart', () => {
  let db: TestDatabase;
  let srv: RealtimeServer;
  const clients: Record<string, RecordingClient> = {};
  // The injected clock runs 3 s before a quarter-hour boundary (also a 5-minute one), so it comes soon. It is
  // set when the backend starts, not before the database is created: a slow machine must not eat the 3 s.
  const boundary = nextBoundary(Date.now(), FREE_PERIOD_MS) + FREE_PERIOD_MS;
  let offset = boundary - 3000 - Date.now();
  const clock = () => Date.now() + offset;
  const minutesBefore = (m: number) => new Date(boundary - m * 60_000);

  beforeAll(async () => {
    db = await createTestDatabase();
    const row = (id: string, detectionTime: Date) => ({
      id,
      symbol: 'ETHUSDT',
      asset: 'ETH',
      currentVolume: 2_000_000,
      previousVolume: 500_000,
      volumeRatio: 4,
      alertType: 'SPIKE' as const,
      message: 'ETH hourly volume 2.00M (4.00x prev)',
      timestamp: new Date(detectionTime.getTime() + 5_000),
      hourTimestamp: new Date(Math.floor(detectionTime.getTime() / 3_600_000) * 3_600_000),
      detectionTime,
    });
    await db.prisma.volumeAlert.createMany({
      data: [
        row('va-2min', minutesBefore(2)), // after the last 5- and 15-minute boundaries: queued for both tiers
        row('va-7min', minutesBefore(7)), // pro got it at the 5-minute boundary; free still waits
        row('va-10min', minutesBefore(10)), // on a 5-minute mark: pro got it at once; free still waits
        row('va-16min', minutesBefore(16)), // released to everyone before the last quarter-hour
      ],
    });
    // the backend (re)starts now, with those rows stored
    offset = boundary - 3000 - Date.now();
    srv = await startRealtimeServer(db.prisma, { now: clock });
    for (const tier of ['free', 'pro'] as const) {
      const user = await createUser(db.prisma, { email: `${tier}@example.com`, tier });
      clients[tier] = await connectClient(srv.url, { token: await srv.auth.signToken(user) }, { clock });
    }
  });

  afterAll(async () => {
    for (const c of Object.values(clients)) c.socket.close();
    await srv?.close();
    await db?.drop();
  });

  it('queues each stored alert for the tiers that had not received it, and pushes them at the boundary', async () => {
    expect(srv.realtime.pending()).toMatchObject({ pro: 1, free: 3 });
    const ids = (tier: string) => clients[tier]!.of('volume-alert').map((e) => (e.payload as { id: string }).id);
    expect(ids('pro')).toEqual([]);
    await waitFor(() => ids('free').length === 3 && ids('pro').length === 1, 10_000);
    expect(ids('pro')).toEqual(['va-2min']);
    expect(ids('free')).toEqual(['va-10min', 'va-7min', 'va-2min']); // in time order
    for (const e of [...clients.pro!.of('volume-alert'), ...clients.free!.of('volume-alert')]) {
      expect(e.at).toBeGreaterThanOrEqual(boundary);
    }
    expect(srv.realtime.pending()).toMatchObject({ pro: 0, free: 0 });
  });
});
