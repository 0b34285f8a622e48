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
  batched: boolean;
  /** Sockets on the per-symbol feed (each gets its symbols' rooms) */
  symbolFeed: boolean;
  backlogged: string[];
}

/**
 * `open-interest-update` (one event per symbol: to the tier rooms, and to the symbol's `oi-symbol-` room for
 * sockets on the per-symbol feed) and `open-interest-updates` (one array per tick, room `oi-batch`), from the
 * newest sample per symbol, at most once per symbol per tick (§6-35; oi-coalescer.ts).
 */
export class OiUpdateFanout {
  private readonly coalescer: OiUpdateCoalescer;
  private skipped = 0;

  constructor(
    private readonly io: IoServer,
    private readonly opts: { tickMs: number; gapMs: number; now: () => number; log: Logger; adapterShared: boolean },
  ) {
    this.coalescer = new OiUpdateCoalescer({ tickMs: opts.tickMs, gapMs: opts.gapMs }, (samples) =>
      this.flush(samples),
    );
  }

  queue(samples: OiUpdateSample[]): void {
    this.coalescer.add(samples);
  }

  pending(): { oiSymbols: number; skippedOiUpdates: number } {
    return { oiSymbols: this.coalescer.pendingCount(), skippedOiUpdates: this.skipped };
  }

  stop(): void {
    this.coalescer.stop();
  }

  /**
   * Who a tick can reach, in one pass over the local sockets: per-symbol events go to tier rooms minus
   * `oi-batch`, the batch event to `oi-batch`, neither to a socket over {@link OI_UPDATE_BACKLOG_LIMIT} (listed as
   * rooms to except: every socket is in the room of its id). With the Redis adapter both are always sent (other
   * instances' clients are not known here); without it, nothing is encoded for nobody (one event per symbol per
   * tick cost the backend ≈ 5 % of its CPU with no client connected).
   */
  private recipients(): Recipients {
    const shared = this.opts.adapterShared;
    const r: Recipients = { perSymbol: shared, batched: shared, symbolFeed: shared, backlogged: [] };
    for (const socket of this.io.of('/').sockets.values()) {
      // engine.io's queue of packets not yet handed to the transport (private in its typings; stable in 6.x).
      if (isBehind((socket.conn as unknown as { writeBuffer?: { data?: unknown }[] }).writeBuffer))
        r.backlogged.push(socket.id);
      else if (socket.rooms.has(OI_BATCH_ROOM)) r.batched = true;
      else if (socket.rooms.has(OI_SYMBOLS_ROOM)) r.symbolFeed = true;
      else if (TIER_ROOMS.some((room) => socket.rooms.has(room))) r.perSymbol = true;
    }
    return r;
  }

  private flush(samples: OiUpdateSample[]): void {
    const timestamp = new Date(this.opts.now()).toISOString();
    const { perSymbol, batched, symbolFeed, backlogged } = this.recipients();
    if (backlogged.length > 0) {
      this.skipped += backlogged.length;
      this.opts.log.debug({ sockets: backlogged.length }, 'OI updates skipped for clients that are behind');
    }
    if (!perSymbol && !batched && !symbolFeed) return;
    const rooms = this.io.of('/').adapter.rooms;
    const batch: OiUpdatesItem[] = [];
    for (const s of samples) {
      const update: OiUpdateEvent = {
        symbol: s.symbol,
        openInterest: s.openInterest,
        openInterestUsd: positiveOrNull(s.openInterestUsd),
        source: 'realtime',
        timestamp,
      };
      // Batch subscribers get the array instead of one event per symbol; per-symbol subscribers their symbols.
      if (perSymbol)
        this.io
          .to(roomsOf('open-interest-update'))
          .except([OI_BATCH_ROOM, OI_SYMBOLS_ROOM, ...backlogged])
          .emit(SOCKET_EVENTS.oiUpdate, update);
      // Nothing is encoded for an empty room (unless other instances may hold its sockets).
      const room = oiSymbolRoom(s.symbol);
      if (symbolFeed && (this.opts.adapterShared || (rooms.get(room)?.size ?? 0) > 0))
        this.io.to(room).except(backlogged).emit(SOCKET_EVENTS.oiUpdate, update);
      if (batched) batch.push({ ...update, markPrice: positiveOrNull(s.markPrice), ts: s.ts.toISOString() });
    }
    if (batched)
      this.io
        .to(roomsOf('open-interest-updates'))
        .except(backlogged)
        .emit(SOCKET_EVENTS.oiUpdates, { updates: batch, timestamp });
  }
}
