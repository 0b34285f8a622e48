import { SOCKET_EVENTS, positiveOrNull, type OiUpdateEvent, type OiUpdatesItem } from '@volspike/contracts';
import type { Logger } from '@volspike/runtime';
import { OI_BATCH_ROOM, OI_SYMBOLS_ROOM, TIER_ROOMS, oiSymbolRoom, roomsOf, type IoServer } from './audience.js';
import { OiUpdateCoalescer, type OiUpdateSample } from './oi-coalescer.js';

/**
 * A socket with more packets than this waiting to be written (a client that stopped reading, or reads slower
 * than the updates come) gets no OI updates until it has caught up: each update supersedes the last, and a
 * backlog of them grew without bound in the server's memory (1000 slow clients × 450 symbols per tick exhausted
 * a 128 MB heap in seconds). Alerts and every other event are always queued.
 */
export const OI_UPDATE_BACKLOG_LIMIT = 1000;
/** The same in bytes: a batch packet can hold thousands of symbols, so a few hundred of them are megabytes. */
export const OI_UPDATE_BACKLOG_BYTES = 4 * 1024 * 1024;

/** True when a socket's queue (engine.io's packets not yet handed to the transport) is over either limit. */
function isBehind(writeBuffer: readonly { data?: unknown }[] | undefined): boolean {
  if (!writeBuffer || writeBuffer.length === 0) return false;
  if (writeBuffer.length > OI_UPDATE_BACKLOG_LIMIT) return true;
  let bytes = 0;
  for (const packet of writeBuffer) {
    const d = packet.data;
    bytes += typeof d === 'string' ? d.length : d instanceof Uint8Array ? d.byteLength : 0;
    if (bytes > OI_UPDATE_BACKLOG_BYTES) return true;
  }
  return false;
}

interface Recipients {
  /** Sockets on the legacy firehose (tier rooms, neither feed chosen) */
  perSymbol: boolean;
  /**
   * Their ids, without the Redis adapter: a flush's per-symbol events go to exactly these sockets (the room of a
   * socket's id), instead of to the tier rooms less the feeds' rooms, which made Socket.IO build the set of every
   * socket on a feed once per symbol (a set of 1000 ids, 450 times a second, with half the clients on each feed).
   */
  firehose: string[];
  batched: boolean;
  /** Sockets on the per-symbol feed (each gets its symbols' rooms) */
  symbolFeed: boolean;
  backlogged: string[];
}

/**
 * `open-interest-update` (one event per symbol: to the tier rooms, and to the symbol's `oi-symbol-` room for
 * sockets on the per-symbol feed) and `open-interest-updates` (one array per hand-over, room `oi-batch`), from
 * the newest sample per symbol, at most once per symbol per tick (§6-35; oi-coalescer.ts).
 *
 * The two kinds go through two coalescers with the same tick: per-symbol events leave as soon as a symbol's tick
 * allows (no gap: one event per symbol is written to its sockets whether or not other symbols go with it), the
 * batch array once per gap on average, `burst` of them back to back (`gapMs`: each hand-over is one write to every
 * batch socket, so the gap bounds the writes per second under a dense stream; ADR 0007).
 */
export class OiUpdateFanout {
  private readonly perSymbol: OiUpdateCoalescer;
  private readonly batch: OiUpdateCoalescer;
  /** The newest sample time queued per symbol (entries older than maxAgeMs are dropped: see queue) */
  private readonly newest = new Map<string, number>();
  private skipped = 0;
  private notLive = 0;

  constructor(
    private readonly io: IoServer,
    private readonly opts: {
      tickMs: number;
      gapMs: number;
      /** hand-overs of the batch feed allowed back to back before the gap applies */
      burst: number;
      /** OI_UPDATE_MAX_AGE_MS: a sample older than this (by the server's clock) is stored, not broadcast */
      maxAgeMs: number;
      now: () => number;
      log: Logger;
      adapterShared: boolean;
    },
  ) {
    this.perSymbol = new OiUpdateCoalescer({ tickMs: opts.tickMs, gapMs: 0, now: opts.now }, (samples) =>
      this.flushPerSymbol(samples),
    );
    this.batch = new OiUpdateCoalescer(
      { tickMs: opts.tickMs, gapMs: opts.gapMs, burst: opts.burst, now: opts.now },
      (samples) => this.flushBatch(samples),
    );
  }

  /**
   * Queues the live samples of an ingest: those newer than the newest one already queued for their symbol and
   * not older than `maxAgeMs`. An `open-interest-update` is read as the symbol's current value (its `timestamp`
   * is the server's now): a backfill, a replayed outbox or a late retry must not show clients an old value as
   * the current one, nor a value older than the one they already have. They are stored all the same.
   */
  queue(samples: OiUpdateSample[]): void {
    const oldest = this.opts.now() - this.opts.maxAgeMs;
    const live: OiUpdateSample[] = [];
    for (const s of samples) {
      const t = s.ts.getTime();
      const last = this.newest.get(s.symbol);
      if (t < oldest || (last !== undefined && t <= last)) {
        this.notLive++;
        continue;
      }
      this.newest.set(s.symbol, t);
      live.push(s);
    }
    // Bounded: an entry older than maxAgeMs decides nothing (any sample it could reject is too old anyway).
    if (this.newest.size > 4096) for (const [symbol, t] of this.newest) if (t < oldest) this.newest.delete(symbol);
    if (live.length === 0) return;
    this.perSymbol.add(live);
    this.batch.add(live);
  }

  pending(): { oiSymbols: number; skippedOiUpdates: number; notLiveOiUpdates: number } {
    return {
      oiSymbols: Math.max(this.perSymbol.pendingCount(), this.batch.pendingCount()),
      skippedOiUpdates: this.skipped,
      notLiveOiUpdates: this.notLive,
    };
  }

  stop(): void {
    this.perSymbol.stop();
    this.batch.stop();
  }

  /**
   * Who a hand-over can reach, in one pass over the local sockets: per-symbol events go to the firehose sockets
   * (tier rooms, no feed chosen) and to `oi-symbol-` rooms, the batch event to `oi-batch`, none to a socket over
   * {@link OI_UPDATE_BACKLOG_LIMIT} (listed as rooms to except: every socket is in the room of its id). With the Redis adapter both are always sent (other
   * instances' clients are not known here); without it, nothing is encoded for nobody (one event per symbol per
   * tick cost the backend ≈ 5 % of its CPU with no client connected).
   */
  private recipients(): Recipients {
    const shared = this.opts.adapterShared;
    const r: Recipients = { perSymbol: shared, firehose: [], batched: shared, symbolFeed: shared, backlogged: [] };
    for (const socket of this.io.of('/').sockets.values()) {
      // engine.io's queue of packets not yet handed to the transport (private in its typings; stable in 6.x).
      if (isBehind((socket.conn as unknown as { writeBuffer?: { data?: unknown }[] }).writeBuffer))
        r.backlogged.push(socket.id);
      else if (socket.rooms.has(OI_BATCH_ROOM)) r.batched = true;
      else if (socket.rooms.has(OI_SYMBOLS_ROOM)) r.symbolFeed = true;
      else if (TIER_ROOMS.some((room) => socket.rooms.has(room))) {
        r.perSymbol = true;
        r.firehose.push(socket.id);
      }
    }
    if (r.backlogged.length > 0) {
      this.skipped += r.backlogged.length;
      this.opts.log.debug({ sockets: r.backlogged.length }, 'OI updates skipped for clients that are behind');
    }
    return r;
  }

  private event(s: OiUpdateSample, timestamp: string): OiUpdateEvent {
    return {
      symbol: s.symbol,
      openInterest: s.openInterest,
      openInterestUsd: positiveOrNull(s.openInterestUsd),
      source: 'realtime',
      timestamp,
    };
  }

  private flushPerSymbol(samples: OiUpdateSample[]): void {
    const { perSymbol, firehose, symbolFeed, backlogged } = this.recipients();
    if (!perSymbol && !symbolFeed) return;
    const shared = this.opts.adapterShared;
    const timestamp = new Date(this.opts.now()).toISOString();
    const rooms = this.io.of('/').adapter.rooms;
    for (const s of samples) {
      const update = this.event(s, timestamp);
      // With the Redis adapter, by rooms (other instances' sockets are not known here); else to the ids found.
      if (shared)
        this.io
          .to(roomsOf('open-interest-update'))
          .except([OI_BATCH_ROOM, OI_SYMBOLS_ROOM, ...backlogged])
          .emit(SOCKET_EVENTS.oiUpdate, update);
      else if (firehose.length > 0) this.io.to(firehose).emit(SOCKET_EVENTS.oiUpdate, update);
      // Nothing is encoded for an empty room (unless other instances may hold its sockets).
      const room = oiSymbolRoom(s.symbol);
      if (symbolFeed && (shared || (rooms.get(room)?.size ?? 0) > 0))
        this.io.to(room).except(backlogged).emit(SOCKET_EVENTS.oiUpdate, update);
    }
  }

  private flushBatch(samples: OiUpdateSample[]): void {
    const { batched, backlogged } = this.recipients();
    if (!batched) return;
    const timestamp = new Date(this.opts.now()).toISOString();
    const updates: OiUpdatesItem[] = samples.map((s) => ({
      ...this.event(s, timestamp),
      markPrice: positiveOrNull(s.markPrice),
      ts: s.ts.toISOString(),
    }));
    this.io
      .to(roomsOf('open-interest-updates'))
      .except(backlogged)
      .emit(SOCKET_EVENTS.oiUpdates, { updates, timestamp });
  }
}
