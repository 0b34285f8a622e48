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

// Per-symbol events leave when a symbol's tick allows; only the batch array waits for the hand-over gap, once
// its burst of back-to-back hand-overs is used up.
describe('OI update hand-over gap', () => {
  let db: TestDatabase;
  let srv: RealtimeServer;
  const c: Record<string, RecordingClient> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    // A gap far longer than the test: after two back-to-back hand-overs, no third can happen while it runs.
    srv = await startRealtimeServer(db.prisma, {
      oiUpdateTickMs: 50,
      oiUpdateFlushGapMs: 600_000,
      oiUpdateFlushBurst: 2,
    });
    const user = await createUser(db.prisma, { email: 'gap@example.com', tier: 'pro' });
    const token = await srv.auth.signToken(user);
    for (const name of ['firehose', 'symbols', 'batch']) c[name] = await connectClient(srv.url, { token });
    await c.symbols!.socket.emitWithAck('subscribe-symbol', 'ETHUSDT');
    await c.symbols!.socket.emitWithAck('subscribe-symbol', 'SOLUSDT');
    await c.symbols!.socket.emitWithAck('subscribe-oi-symbols');
    await c.batch!.socket.emitWithAck('subscribe-oi-batch');
  });

  afterAll(async () => {
    for (const client of Object.values(c)) client.socket.close();
    await srv?.close();
    await db?.drop();
  });

  const sample = (symbol: string): OiUpdateSample => ({
    symbol,
    openInterest: 1,
    openInterestUsd: null,
    markPrice: null,
    ts: new Date(Date.UTC(2026, 0, 1, 10)),
  });
  const symbolsOf = (client: RecordingClient): string[] =>
    client.events.flatMap((e) =>
      e.event === 'open-interest-update'
        ? [(e.payload as { symbol: string }).symbol]
        : e.event === 'open-interest-updates'
          ? (e.payload as { updates: { symbol: string }[] }).updates.map((u) => u.symbol)
          : [],
    );

  it('sends a later symbol on the per-symbol feeds at once, and holds it for the batch feed once its burst is used', async () => {
    srv.realtime.queueOiUpdates([sample('BTCUSDT')]);
    await waitFor(() => symbolsOf(c.batch!).includes('BTCUSDT') && symbolsOf(c.firehose!).includes('BTCUSDT'));
    // The second hand-over of the burst goes out at once too, gap or not.
    srv.realtime.queueOiUpdates([sample('ETHUSDT')]);
    await waitFor(() => symbolsOf(c.batch!).includes('ETHUSDT') && symbolsOf(c.symbols!).includes('ETHUSDT'));
    // The burst is used up: SOL arrives inside the batch feed's gap.
    srv.realtime.queueOiUpdates([sample('SOLUSDT')]);
    await waitFor(() => symbolsOf(c.firehose!).includes('SOLUSDT') && symbolsOf(c.symbols!).includes('SOLUSDT'));
    // Everything the server wrote before the per-symbol events has been read by now (one loopback server).
    await new Promise((r) => setTimeout(r, 200));
    expect(symbolsOf(c.symbols!)).toEqual(['ETHUSDT', 'SOLUSDT']);
    expect(symbolsOf(c.batch!)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(srv.realtime.pending().oiSymbols).toBe(1); // SOL, waiting for the batch feed's gap
  });
});

// Only live samples are broadcast: a backfill or a late retry is stored, never shown as the current value.
describe('OI updates: live samples only', () => {
  let db: TestDatabase;
  let srv: RealtimeServer;
  let client: RecordingClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startRealtimeServer(db.prisma, { oiUpdateTickMs: 50, oiUpdateMaxAgeMs: 60_000 });
    const user = await createUser(db.prisma, { email: 'live@example.com', tier: 'pro' });
    client = await connectClient(srv.url, { token: await srv.auth.signToken(user) });
  });

  afterAll(async () => {
    client?.socket.close();
    await srv?.close();
    await db?.drop();
  });

  const sample = (symbol: string, openInterest: number, ageMs: number): OiUpdateSample => ({
    symbol,
    openInterest,
    openInterestUsd: null,
    markPrice: null,
    ts: new Date(Date.now() - ageMs),
  });
  const got = (): string[] =>
    client.events
      .filter((e) => e.event === 'open-interest-update')
      .map((e) => {
        const p = e.payload as { symbol: string; openInterest: number };
        return `${p.symbol} ${p.openInterest}`;
      });

  it('drops samples older than the max age, and any not newer than the symbol’s last one', async () => {
    // BTC two minutes old (a backfill): stored by the route, not broadcast; ETH five seconds old: live.
    srv.realtime.queueOiUpdates([sample('BTCUSDT', 1, 120_000), sample('ETHUSDT', 2, 5000)]);
    await waitFor(() => got().includes('ETHUSDT 2'));
    // ETH older than the one just sent (a late retry), then newer; the last value closes the round.
    srv.realtime.queueOiUpdates([sample('ETHUSDT', 3, 10_000)]);
    await new Promise((r) => setTimeout(r, 100)); // past ETH's 50 ms tick
    srv.realtime.queueOiUpdates([sample('ETHUSDT', 4, 1000), sample('SOLUSDT', 5, 0)]);
    await waitFor(() => got().includes('SOLUSDT 5') && got().includes('ETHUSDT 4'));
    expect(got()).toEqual(['ETHUSDT 2', 'ETHUSDT 4', 'SOLUSDT 5']);
    expect(srv.realtime.pending().notLiveOiUpdates).toBe(2);
  });
});
