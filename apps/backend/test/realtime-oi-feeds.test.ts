import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_SOCKET_EVENTS } from '@volspike/contracts';
import { createTestDatabase } from '@volspike/db/testing';
import type { TestDatabase } from '@volspike/db/testing';
import type { OiUpdateSample } from '../src/realtime/index.js';
import { connectClient, createUser, startRealtimeServer, waitFor } from './realtime-helpers.js';
import type { RealtimeServer, RecordingClient } from './realtime-helpers.js';

// The three OI update feeds (legacy firehose, batch, per-symbol) and switching between them.
describe('OI update feeds', () => {
  let db: TestDatabase;
  let srv: RealtimeServer;
  const c: Record<string, RecordingClient> = {};
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startRealtimeServer(db.prisma, { oiUpdateTickMs: 50 });
    const user = await createUser(db.prisma, { email: 'feeds@example.com', tier: 'pro' });
    const token = await srv.auth.signToken(user);
    for (const name of ['firehose', 'symbols', 'batch', 'switcher', 'back'])
      c[name] = await connectClient(srv.url, { token });
  });

  afterAll(async () => {
    for (const client of Object.values(c)) client.socket.close();
    await srv?.close();
    await db?.drop();
  });

  const sample = (symbol: string, openInterest: number): OiUpdateSample => ({
    symbol,
    openInterest,
    openInterestUsd: null,
    markPrice: null,
    ts: new Date(Date.UTC(2026, 0, 1, 10, 0, 0, ++n)),
  });
  /** What each client got of one round of updates: per-symbol events by symbol, batch events by their symbols. */
  async function round(symbols: string[], marker: number): Promise<Record<string, string[]>> {
    for (const client of Object.values(c)) client.events.length = 0;
    srv.realtime.queueOiUpdates(symbols.map((s) => sample(s, marker)));
    // Every socket is sent the round, or has nothing of it; a final batch-wide marker closes the round.
    srv.realtime.queueOiUpdates([sample('ZZZUSDT', marker + 1)]);
    await waitFor(() => Object.values(c).every((client) => JSON.stringify(client.events).includes('ZZZUSDT')));
    const got: Record<string, string[]> = {};
    for (const [name, client] of Object.entries(c)) {
      got[name] = client.events
        .flatMap((e) => {
          if (e.event === 'open-interest-update') return [`update ${(e.payload as { symbol: string }).symbol}`];
          if (e.event === 'open-interest-updates')
            return (e.payload as { updates: { symbol: string }[] }).updates.map((u) => `batch ${u.symbol}`);
          return [];
        })
        .filter((x) => !x.endsWith('ZZZUSDT'))
        .sort();
    }
    return got;
  }

  it('gives the per-symbol feed only its symbols, the batch feed arrays, and everyone else every symbol', async () => {
    for (const name of ['symbols', 'switcher']) {
      expect(await c[name]!.socket.emitWithAck('subscribe-symbol', 'BTCUSDT')).toEqual({ ok: true });
      expect(await c[name]!.socket.emitWithAck('subscribe-oi-symbols')).toEqual({ ok: true });
      // The marker symbol, so the round's end is seen on this feed too; ETH is added after choosing the feed.
      await c[name]!.socket.emitWithAck('subscribe-symbol', 'ZZZUSDT');
      await c[name]!.socket.emitWithAck('subscribe-symbol', 'ethusdt');
    }
    await c.batch!.socket.emitWithAck('subscribe-oi-batch');
    await c.back!.socket.emitWithAck('subscribe-oi-symbols');
    await c.back!.socket.emitWithAck('unsubscribe-oi-symbols');

    const got = await round(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], 100);
    const all = ['update BTCUSDT', 'update ETHUSDT', 'update SOLUSDT'];
    expect(got.firehose).toEqual(all);
    expect(got.back).toEqual(all);
    expect(got.symbols).toEqual(['update BTCUSDT', 'update ETHUSDT']);
    expect(got.switcher).toEqual(['update BTCUSDT', 'update ETHUSDT']);
    expect(got.batch).toEqual(['batch BTCUSDT', 'batch ETHUSDT', 'batch SOLUSDT']);
  });

  it('drops a symbol on unsubscribe-symbol, and one feed at a time: batch leaves the per-symbol feed and back', async () => {
    await c.symbols!.socket.emitWithAck('unsubscribe-symbol', 'ETHUSDT');
    await c.switcher!.socket.emitWithAck('subscribe-oi-batch');
    let got = await round(['BTCUSDT', 'ETHUSDT'], 200);
    expect(got.symbols).toEqual(['update BTCUSDT']);
    expect(got.switcher).toEqual(['batch BTCUSDT', 'batch ETHUSDT']);

    await c.switcher!.socket.emitWithAck('subscribe-oi-symbols'); // its symbol rooms are still joined
    got = await round(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], 300);
    expect(got.switcher).toEqual(['update BTCUSDT', 'update ETHUSDT']);
    expect(got.batch).toEqual(['batch BTCUSDT', 'batch ETHUSDT', 'batch SOLUSDT']);
  });

  it('handles exactly the client events of the contract', () => {
    const socket = srv.realtime.io.of('/').sockets.get(c.firehose!.socket.id!)!;
    const reserved = new Set(['disconnect', 'disconnecting', 'error']);
    const handled = socket.eventNames().filter((e): e is string => typeof e === 'string' && !reserved.has(e));
    expect(handled.sort()).toEqual([...CLIENT_SOCKET_EVENTS].sort());
  });
});
