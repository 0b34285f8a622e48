import { SOCKET_EVENTS, positiveOrNull, type OiUpdateEvent, type OiUpdatesItem } from '@volspike/contracts';
import type { Logger } from '@volspike/runtime';
import { OI_BATCH_ROOM, TIER_ROOMS, roomsOf, type IoServer } from './audience.js';
import { OiUpdateCoalescer, type OiUpdateSample } from './oi-coalescer.js';

/**
 * A socket with more packets than this waiting to be written (a client that stopped reading, or reads slower
 * than the updates come) gets no OI updates until it has caught up: each tick supersedes the last, and a backlog
 * of them grew without bound in the server's memory (1000 slow clients × 450 symbols per tick exhausted a
 * 128 MB heap in seconds). Alerts and every other event are always queued.
 */
export const OI_UPDATE_BACKLOG_LIMIT = 1000;

interface Recipients {
  perSymbol: boolean;
  batched: boolean;
  backlogged: string[];
}

/**
 * `open-interest-update` (one event per symbol, tier rooms) and `open-interest-updates` (one array per tick,
 * room `oi-batch`), from the newest sample per symbol per tick (§6-35).
 */
export class OiUpdateFanout {
  private readonly coalescer: OiUpdateCoalescer;
  private skipped = 0;

  constructor(
    private readonly io: IoServer,
    private readonly opts: { tickMs: number; now: () => number; log: Logger; adapterShared: boolean },
  ) {
    this.coalescer = new OiUpdateCoalescer(opts.tickMs, (samples) => this.flush(samples));
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
    const r: Recipients = { perSymbol: this.opts.adapterShared, batched: this.opts.adapterShared, backlogged: [] };
    for (const socket of this.io.of('/').sockets.values()) {
      // engine.io's queue of packets not yet handed to the transport (private in its typings; stable in 6.x).
      const queued = (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
      if (queued > OI_UPDATE_BACKLOG_LIMIT) r.backlogged.push(socket.id);
      else if (socket.rooms.has(OI_BATCH_ROOM)) r.batched = true;
      else if (TIER_ROOMS.some((room) => socket.rooms.has(room))) r.perSymbol = true;
    }
    return r;
  }

  private flush(samples: OiUpdateSample[]): void {
    const timestamp = new Date(this.opts.now()).toISOString();
    const { perSymbol, batched, backlogged } = this.recipients();
    if (backlogged.length > 0) {
      this.skipped += backlogged.length;
      this.opts.log.debug({ sockets: backlogged.length }, 'OI updates skipped for clients that are behind');
    }
    if (!perSymbol && !batched) return;
    const batch: OiUpdatesItem[] = [];
    for (const s of samples) {
      const update: OiUpdateEvent = {
        symbol: s.symbol,
        openInterest: s.openInterest,
        openInterestUsd: positiveOrNull(s.openInterestUsd),
        source: 'realtime',
        timestamp,
      };
      // Batch subscribers get the array instead of one event per symbol.
      if (perSymbol)
        this.io
          .to(roomsOf('open-interest-update'))
          .except([OI_BATCH_ROOM, ...backlogged])
          .emit(SOCKET_EVENTS.oiUpdate, update);
      if (batched) batch.push({ ...update, markPrice: positiveOrNull(s.markPrice), ts: s.ts.toISOString() });
    }
    if (batched)
      this.io
        .to(roomsOf('open-interest-updates'))
        .except(backlogged)
        .emit(SOCKET_EVENTS.oiUpdates, { updates: batch, timestamp });
  }
}
