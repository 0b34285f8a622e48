import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@volspike/db/testing';
import type { TestDatabase } from '@volspike/db/testing';
import { connectClient, createUser, startRealtimeServer, waitFor } from './realtime-helpers.js';
import type { RealtimeServer, RecordingClient } from './realtime-helpers.js';

describe('Socket.IO Redis adapter', () => {
  let db: TestDatabase;
  let a: RealtimeServer;
  let b: RealtimeServer;
  const clients: RecordingClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const redisKeyPrefix = `test-socket.io-${randomBytes(4).toString('hex')}`;
    a = await startRealtimeServer(db.prisma, { redisUrl, redisKeyPrefix, oiUpdateTickMs: 20 });
    b = await startRealtimeServer(db.prisma, { redisUrl, redisKeyPrefix, oiUpdateTickMs: 20 });
  });

  afterAll(async () => {
    for (const c of clients) c.socket.close();
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('fans events emitted on one instance out to the right clients of the other instance', async () => {
    const pro = await createUser(db.prisma, { email: 'pro@example.com', tier: 'pro' });
    const onB = await connectClient(b.url, { token: await b.auth.signToken(pro) });
    const guestOnB = await connectClient(b.url, { token: 'guest' });
    const onA = await connectClient(a.url, { token: await a.auth.signToken(pro) });
    clients.push(onB, guestOnB, onA);

    const oiAlert = (id: string) => ({
      id,
      symbol: 'SOLUSDT',
      direction: 'DOWN' as const,
      baseline: 10,
      current: 8,
      pctChange: -0.2,
      absChange: -2,
      priceChange: -0.01,
      fundingRate: null,
      timeframe: '5 min',
      source: 'oi_realtime_poller',
      ts: new Date('2026-01-01T00:00:00Z'),
      createdAt: new Date('2026-01-01T00:00:01Z'),
    });
    a.realtime.emitOiAlert(oiAlert('oi-x'));
    a.realtime.queueOiUpdates([
      { symbol: 'SOLUSDT', openInterest: 8, openInterestUsd: 800, markPrice: 100, ts: new Date() },
    ]);

    await waitFor(() => onB.of('open-interest-alert').length === 1 && guestOnB.of('open-interest-update').length === 1);
    // Nothing more may arrive: an alert and an update for another symbol, emitted on A after the first ones,
    // reach the clients behind any duplicate of them.
    a.realtime.emitOiAlert(oiAlert('oi-marker'));
    a.realtime.queueOiUpdates([
      { symbol: 'ADAUSDT', openInterest: 9, openInterestUsd: 5, markPrice: 0.5, ts: new Date() },
    ]);
    const has = (c: RecordingClient, event: string, text: string) =>
      c.of(event).some((e) => JSON.stringify(e.payload).includes(text));
    await waitFor(
      () =>
        has(onB, 'open-interest-alert', 'oi-marker') &&
        has(onA, 'open-interest-alert', 'oi-marker') &&
        has(onB, 'open-interest-update', 'ADAUSDT') &&
        has(guestOnB, 'open-interest-update', 'ADAUSDT'),
    );
    const first = (c: RecordingClient, event: string) =>
      c.of(event).filter((e) => !/oi-marker|ADAUSDT/.test(JSON.stringify(e.payload)));
    expect(first(onB, 'open-interest-alert')[0]!.payload).toMatchObject({ id: 'oi-x', pctChange: -0.2 });
    expect(first(onA, 'open-interest-alert')).toHaveLength(1);
    expect(guestOnB.of('open-interest-alert')).toEqual([]);
    // One emit on A reaches each client once, not once per instance.
    expect(first(onB, 'open-interest-update')).toHaveLength(1);
    expect(first(guestOnB, 'open-interest-update')).toHaveLength(1);
    expect(first(onB, 'open-interest-alert')).toHaveLength(1);
  });
});
