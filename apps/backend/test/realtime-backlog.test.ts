// A client that stops reading must not make the server queue OI updates for it without bound: each tick
// supersedes the last, so it gets none until it has caught up, and everyone else keeps getting them.
import type { Socket as NetSocket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { OI_UPDATE_BACKLOG_BYTES, OI_UPDATE_BACKLOG_LIMIT } from '../src/realtime/index.js';
import type { OiUpdateSample } from '../src/realtime/index.js';
import { connectClient, createUser, sleep, startRealtimeServer, waitFor } from './realtime-helpers.js';
import type { RealtimeServer, RecordingClient } from './realtime-helpers.js';

const SYMBOLS = 450;
// Long symbols make each tick ≈ 110 kB, so that the kernel's socket buffers (a few MB) fill within the test.
const symbolAt = (i: number) => `S${String(i).padStart(180, '0')}USDT`;

/** The TCP socket under a socket.io-client websocket (engine.io-client's transport → ws → net.Socket). */
function tcpOf(c: RecordingClient): NetSocket {
  const engine = c.socket.io.engine as unknown as { transport: { ws: { _socket: NetSocket } } };
  return engine.transport.ws._socket;
}

describe('OI updates to a client that stopped reading', () => {
  let db: TestDatabase;
  let srv: RealtimeServer;
  let stalled: RecordingClient;
  let live: RecordingClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startRealtimeServer(db.prisma, { oiUpdateTickMs: 5, oiUpdateFlushGapMs: 5 });
    const pro = await createUser(db.prisma, { email: 'stalled@example.com', tier: 'pro' });
    const elite = await createUser(db.prisma, { email: 'live@example.com', tier: 'elite' });
    stalled = await connectClient(srv.url, { token: await srv.auth.signToken(pro) });
    live = await connectClient(srv.url, { token: await srv.auth.signToken(elite) });
    await live.socket.emitWithAck('subscribe-oi-batch'); // one event per tick: this test process keeps up
  });

  afterAll(async () => {
    stalled?.socket.close();
    live?.socket.close();
    await srv?.close();
    await db?.drop();
  });

  const tick = (n: number): OiUpdateSample[] =>
    Array.from({ length: SYMBOLS }, (_, i) => ({
      symbol: symbolAt(i),
      openInterest: n * 1000 + i,
      openInterestUsd: null,
      markPrice: null,
      ts: new Date(Date.UTC(2026, 0, 1, 10, 0, 0, n)),
    }));
  const writeBufferOf = (c: RecordingClient): { data: unknown }[] => {
    const socket = srv.realtime.io.of('/').sockets.get(c.socket.id ?? '');
    return (socket?.conn as unknown as { writeBuffer: { data: unknown }[] } | undefined)?.writeBuffer ?? [];
  };
  const serverQueueOf = (c: RecordingClient): number => writeBufferOf(c).length;
  const serverBytesOf = (c: RecordingClient): number =>
    writeBufferOf(c).reduce((a, p) => a + (typeof p.data === 'string' ? p.data.length : 0), 0);
  const lastBatchOi = () => {
    const last = live.of('open-interest-updates').at(-1)?.payload as
      { updates: { openInterest: number }[] } | undefined;
    return last?.updates[0]?.openInterest;
  };

  it('keeps its queue bounded, skips it until it has caught up, and keeps updating everyone else', async () => {
    tcpOf(stalled).pause();
    let maxQueued = 0;
    let n = 0;
    for (; n < 300; n++) {
      srv.realtime.queueOiUpdates(tick(n));
      await sleep(7);
      maxQueued = Math.max(maxQueued, serverQueueOf(stalled));
    }
    // Without the limit the queue grew by 450 packets per tick once the kernel's buffers were full.
    expect(maxQueued).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThanOrEqual(OI_UPDATE_BACKLOG_LIMIT + SYMBOLS);
    expect(srv.realtime.pending().skippedOiUpdates).toBeGreaterThan(0);
    await waitFor(() => lastBatchOi() === (n - 1) * 1000, 10_000);

    // Reading again, it drains what was queued and then gets the updates of later ticks again.
    tcpOf(stalled).resume();
    await waitFor(() => serverQueueOf(stalled) === 0, 20_000);
    srv.realtime.queueOiUpdates(tick(1000));
    await waitFor(
      () =>
        stalled
          .of('open-interest-update')
          .some((e) => (e.payload as { openInterest: number }).openInterest === 1_000_000),
      10_000,
    );
  }, 60_000);

  it('bounds the bytes queued for a batch client that stopped reading (few packets, each large)', async () => {
    const user = await createUser(db.prisma, { email: 'stalled-batch@example.com', tier: 'elite' });
    const batchClient = await connectClient(srv.url, { token: await srv.auth.signToken(user) });
    try {
      await batchClient.socket.emitWithAck('subscribe-oi-batch');
      tcpOf(batchClient).pause();
      let maxBytes = 0;
      let n = 2000;
      for (; n < 2400; n++) {
        srv.realtime.queueOiUpdates(tick(n));
        await sleep(7);
        maxBytes = Math.max(maxBytes, serverBytesOf(batchClient));
      }
      // ≈ 110 kB per batch: far fewer than OI_UPDATE_BACKLOG_LIMIT packets, but tens of MB without the byte limit.
      expect(maxBytes).toBeGreaterThan(OI_UPDATE_BACKLOG_BYTES / 2);
      expect(maxBytes).toBeLessThanOrEqual(OI_UPDATE_BACKLOG_BYTES + 200_000);
      await waitFor(() => lastBatchOi() === (n - 1) * 1000, 10_000); // the live client is still served
    } finally {
      batchClient.socket.close();
    }
  }, 60_000);
});
