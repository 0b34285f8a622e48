import type http from 'node:http';
import { Server } from 'socket.io';
import type { Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { parseSymbol } from '@volspike/contracts';
import type { PrismaClient } from '@volspike/db';
import type { Logger } from '@volspike/runtime';
import type { Auth } from '../auth/index.js';
import { DEBUG_TOKEN_COOKIE, readCookie } from '../auth/index.js';
import { HandshakeError, identify } from './handshake.js';
import type { SocketIdentity } from './handshake.js';
import { OiUpdateCoalescer } from './oi-coalescer.js';
import { oiAlertWire, usdOrNull, volumeAlertWire } from './payloads.js';
import type {
  DebugAlertWire,
  OiAlertEvent,
  OiBatchItemWire,
  OiBatchWire,
  OiUpdateSample,
  OiUpdateWire,
  UserAlertTriggeredEvent,
  VolumeAlertEvent,
  VolumeAlertRow,
} from './payloads.js';
import { FREE_PERIOD_MS, PRO_PERIOD_MS, TierReleaseQueue, nextBoundary, releasesImmediately } from './tier-release.js';

export type * from './payloads.js';
export type { SocketIdentity } from './handshake.js';
export { nextBoundary, releasesImmediately, PRO_PERIOD_MS, FREE_PERIOD_MS } from './tier-release.js';

/** refreshInterval (ms) sent in `connected` (§3.4). */
export const REFRESH_INTERVAL_MS: Record<string, number> = { free: 900_000, pro: 300_000, elite: 30_000 };
const TIER_ROOMS = ['tier-elite', 'tier-pro', 'tier-free'];
export const OI_BATCH_ROOM = 'oi-batch';
/**
 * A socket with more packets than this waiting to be written (a client that stopped reading, or reads slower
 * than the updates come) gets no OI updates until it has caught up: each tick supersedes the last, and a backlog
 * of them grew without bound in the server's memory (1000 slow clients × 450 symbols per tick exhausted a
 * 128 MB heap in seconds). Alerts and every other event are always queued.
 */
export const OI_UPDATE_BACKLOG_LIMIT = 1000;
export const DEBUG_ROOM = 'debug';

export interface RealtimeOptions {
  httpServer: http.Server;
  prisma: PrismaClient;
  auth: Auth;
  logger: Logger;
  corsOrigins: string[];
  redisUrl?: string | undefined;
  /** Key prefix of the Redis adapter's channels (default `socket.io`); tests isolate with their own. */
  redisKeyPrefix?: string;
  oiUpdateTickMs?: number;
  now?: () => number;
  /** Who may join the `debug` room (live feed of /debug/alerts): everyone, or admins only (default). */
  debugAccess?: 'public' | 'admin';
}

export interface Realtime {
  emitVolumeAlert(row: VolumeAlertRow): void;
  emitOiAlert(row: OiAlertEvent): void;
  queueOiUpdates(samples: OiUpdateSample[]): void;
  emitUserAlertTriggered(userId: string, payload: UserAlertTriggeredEvent): void;
  stats(): { clients: number; byTier: Record<string, number> };
  /** Alerts waiting for their tier's boundary (for /health and tests). */
  pending(): { pro: number; free: number; oiSymbols: number; skippedOiUpdates: number };
  readonly io: Server;
  /** Disconnects clients and the adapter; does NOT close the HTTP server (its owner does). */
  close(): Promise<void>;
}

export async function createRealtime(opts: RealtimeOptions): Promise<Realtime> {
  const log = opts.logger.child({ component: 'realtime' });
  const now = opts.now ?? Date.now;
  const debugAccess = opts.debugAccess ?? 'admin';
  const io = new Server(opts.httpServer, {
    path: '/socket.io',
    transports: ['websocket', 'polling'],
    cors: { origin: opts.corsOrigins, methods: ['GET', 'POST'], credentials: true },
    serveClient: true,
  });

  let pub: Redis | null = null;
  let sub: Redis | null = null;
  if (opts.redisUrl) {
    pub = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    sub = pub.duplicate();
    for (const [name, client] of [
      ['pub', pub],
      ['sub', sub],
    ] as const) {
      let down = false;
      client.on('error', (err) => {
        if (!down) log.warn({ err, client: name }, 'socket.io redis adapter connection error');
        down = true;
      });
      client.on('ready', () => {
        if (down) log.info({ client: name }, 'socket.io redis adapter reconnected');
        down = false;
      });
    }
    await Promise.all([pub.connect(), sub.connect()]);
    // The adapter's broadcast() fires PUBLISH without handling the promise: while Redis is down every emit
    // would leave an unhandled rejection, which the lifecycle treats as fatal (the backend would exit). Local
    // clients get the emit regardless; other instances miss what was published during the outage (logged
    // once by the 'error' handler above). Callers that await the promise still see the rejection.
    const publish = pub.publish.bind(pub) as (...args: unknown[]) => Promise<number>;
    (pub as unknown as { publish: (...args: unknown[]) => Promise<number> }).publish = (...args) => {
      const p = publish(...args);
      p.catch(() => undefined);
      return p;
    };
    io.adapter(createAdapter(pub, sub, { key: opts.redisKeyPrefix ?? 'socket.io' }));
    log.info('socket.io redis adapter enabled');
  }

  io.use((socket, next) => {
    identify(socket.handshake, socket.id, { auth: opts.auth }).then(
      (identity) => {
        socket.data.identity = identity;
        next();
      },
      (err: unknown) => {
        if (err instanceof HandshakeError) {
          next(new Error(err.message));
          return;
        }
        log.warn({ err }, 'socket handshake failed');
        next(new Error('Authentication failed'));
      },
    );
  });

  io.on('connection', (socket) => onConnection(socket));

  function onConnection(socket: Socket): void {
    const identity = socket.data.identity as SocketIdentity;
    void socket.join([`tier-${identity.tier}`, `user-${identity.userId}`]);
    if (identity.role === 'ADMIN') void socket.join('role-admin');
    socket.emit('connected', { tier: identity.tier, refreshInterval: REFRESH_INTERVAL_MS[identity.tier] ?? 900_000 });

    // Client events may carry an acknowledgement callback; legacy clients send none.
    const ack = (fn: unknown, body: { ok: boolean }) => {
      if (typeof fn === 'function') (fn as (r: { ok: boolean }) => void)(body);
    };
    socket.on('subscribe-symbol', (symbol: unknown, fn?: unknown) => {
      const s = parseSymbol(symbol);
      if (s !== null) void socket.join(`symbol-${s}`);
      ack(fn, { ok: s !== null });
    });
    socket.on('unsubscribe-symbol', (symbol: unknown, fn?: unknown) => {
      const s = parseSymbol(symbol);
      if (s !== null) void socket.leave(`symbol-${s}`);
      ack(fn, { ok: s !== null });
    });
    // No watchlist model exists on this side; the legacy answer for a watchlist the user does not own.
    socket.on('subscribe-watchlist', () => {
      socket.emit('error', { message: 'Watchlist not found' });
    });
    socket.on('subscribe-oi-batch', (fn?: unknown) => {
      void socket.join(OI_BATCH_ROOM);
      ack(fn, { ok: true });
    });
    socket.on('unsubscribe-oi-batch', (fn?: unknown) => {
      void socket.leave(OI_BATCH_ROOM);
      ack(fn, { ok: true });
    });
    socket.on('subscribe-debug', (fn?: unknown) => {
      void allowDebug(socket, identity).then((ok) => {
        if (ok) void socket.join(DEBUG_ROOM);
        ack(fn, { ok });
      });
    });
  }

  async function allowDebug(socket: Socket, identity: SocketIdentity): Promise<boolean> {
    if (debugAccess === 'public' || identity.role === 'ADMIN') return true;
    const cookieToken = readCookie(socket.handshake.headers.cookie, DEBUG_TOKEN_COOKIE);
    if (!cookieToken) return false;
    const user = await opts.auth.verifyToken(cookieToken).catch(() => null);
    return user?.role === 'ADMIN';
  }

  const proQueue = new TierReleaseQueue<VolumeAlertEvent>(
    PRO_PERIOD_MS,
    (items) => releaseVolume('tier-pro', items),
    now,
  );
  const freeQueue = new TierReleaseQueue<VolumeAlertEvent>(
    FREE_PERIOD_MS,
    (items) => releaseVolume('tier-free', items),
    now,
  );

  function releaseVolume(room: string, items: VolumeAlertEvent[]): void {
    for (const payload of items) io.to(room).emit('volume-alert', payload);
    log.debug({ room, count: items.length }, 'released queued volume alerts');
  }

  /**
   * The queues live in memory: alerts that were waiting for their tier's boundary when the last process
   * stopped are queued again from the stored rows — those whose time falls after the tier's last boundary and
   * not on a minute that released them at once. (The REST route gates by the same times, so nothing is lost
   * there; this is the live push.) A failed read is logged; the backend starts anyway.
   */
  async function restoreQueuedVolumeAlerts(): Promise<void> {
    const t = now();
    const since = (periodMs: number) => nextBoundary(t, periodMs) - periodMs;
    const from = new Date(Math.min(since(PRO_PERIOD_MS), since(FREE_PERIOD_MS)));
    const rows = await opts.prisma.volumeAlert.findMany({
      where: { OR: [{ detectionTime: { gt: from } }, { detectionTime: null, timestamp: { gt: from } }] },
      orderBy: { timestamp: 'asc' },
    });
    let pro = 0;
    let free = 0;
    for (const row of rows) {
      const at = row.detectionTime ?? row.timestamp;
      const payload = volumeAlertWire(row);
      if (at.getTime() > since(PRO_PERIOD_MS) && !releasesImmediately(at, PRO_PERIOD_MS)) {
        proQueue.push(payload);
        pro++;
      }
      if (at.getTime() > since(FREE_PERIOD_MS) && !releasesImmediately(at, FREE_PERIOD_MS)) {
        freeQueue.push(payload);
        free++;
      }
    }
    if (pro + free > 0) log.info({ pro, free }, 'volume alerts waiting for their tier boundary queued again');
  }
  await restoreQueuedVolumeAlerts().catch((err: unknown) =>
    log.warn({ err }, 'could not restore the volume alerts waiting for their tier boundary'),
  );

  /**
   * Who an OI tick can reach, in one pass over the local sockets: per-symbol events go to tier rooms minus
   * `oi-batch`, the batch event to `oi-batch`, neither to a socket over {@link OI_UPDATE_BACKLOG_LIMIT} (listed as
   * rooms to except: every socket is in the room of its id). With the Redis adapter both are always sent (other
   * instances' clients are not known here); without it, nothing is encoded for nobody (one event per symbol per
   * tick cost the backend ≈ 5 % of its CPU with no client connected).
   */
  function oiRecipients(): { perSymbol: boolean; batched: boolean; backlogged: string[] } {
    let perSymbol = pub !== null;
    let batched = pub !== null;
    const backlogged: string[] = [];
    for (const socket of io.of('/').sockets.values()) {
      // engine.io's queue of packets not yet handed to the transport (private in its typings; stable in 6.x).
      const queued = (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
      if (queued > OI_UPDATE_BACKLOG_LIMIT) backlogged.push(socket.id);
      else if (socket.rooms.has(OI_BATCH_ROOM)) batched = true;
      else if (TIER_ROOMS.some((room) => socket.rooms.has(room))) perSymbol = true;
    }
    return { perSymbol, batched, backlogged };
  }
  let skippedOiUpdates = 0;

  const coalescer = new OiUpdateCoalescer(opts.oiUpdateTickMs ?? 1000, (samples) => {
    const timestamp = new Date(now()).toISOString();
    const { perSymbol, batched, backlogged } = oiRecipients();
    if (backlogged.length > 0) {
      skippedOiUpdates += backlogged.length;
      log.debug({ sockets: backlogged.length }, 'OI updates skipped for clients that are behind');
    }
    if (!perSymbol && !batched) return;
    const batch: OiBatchItemWire[] = [];
    for (const s of samples) {
      const update: OiUpdateWire = {
        symbol: s.symbol,
        openInterest: s.openInterest,
        openInterestUsd: usdOrNull(s.openInterestUsd),
        source: 'realtime',
        timestamp,
      };
      // Batch subscribers get the array instead of one event per symbol.
      if (perSymbol)
        io.to(TIER_ROOMS)
          .except([OI_BATCH_ROOM, ...backlogged])
          .emit('open-interest-update', update);
      if (batched) {
        batch.push({
          ...update,
          markPrice: s.markPrice !== null && Number.isFinite(s.markPrice) && s.markPrice > 0 ? s.markPrice : null,
          ts: s.ts.toISOString(),
        });
      }
    }
    if (batched)
      io.to(OI_BATCH_ROOM).emit('open-interest-updates', { updates: batch, timestamp } satisfies OiBatchWire);
  });

  return {
    io,
    emitVolumeAlert(row) {
      const payload = volumeAlertWire(row);
      const at = row.detectionTime ?? row.timestamp;
      io.to('tier-elite').emit('volume-alert', payload);
      if (releasesImmediately(at, PRO_PERIOD_MS)) io.to('tier-pro').emit('volume-alert', payload);
      else proQueue.push(payload);
      if (releasesImmediately(at, FREE_PERIOD_MS)) io.to('tier-free').emit('volume-alert', payload);
      else freeQueue.push(payload);
      io.to(DEBUG_ROOM).emit('debug-alert', { kind: 'volume', alert: payload } satisfies DebugAlertWire);
    },
    emitOiAlert(row) {
      const payload = oiAlertWire(row);
      io.to(['role-admin', 'tier-pro', 'tier-elite']).emit('open-interest-alert', payload);
      io.to(DEBUG_ROOM).emit('debug-alert', { kind: 'oi', alert: payload } satisfies DebugAlertWire);
    },
    queueOiUpdates(samples) {
      coalescer.add(samples);
    },
    emitUserAlertTriggered(userId, payload) {
      io.to(`user-${userId}`).emit('user-alert-triggered', payload);
    },
    stats() {
      const byTier: Record<string, number> = { free: 0, pro: 0, elite: 0 };
      let clients = 0;
      for (const socket of io.of('/').sockets.values()) {
        clients += 1;
        const tier = (socket.data.identity as SocketIdentity | undefined)?.tier ?? 'free';
        byTier[tier] = (byTier[tier] ?? 0) + 1;
      }
      return { clients, byTier };
    },
    pending() {
      return {
        pro: proQueue.size(),
        free: freeQueue.size(),
        oiSymbols: coalescer.pendingCount(),
        skippedOiUpdates,
      };
    },
    async close() {
      proQueue.stop();
      freeQueue.stop();
      coalescer.stop();
      io.local.disconnectSockets(true);
      io.engine.close();
      await Promise.resolve(io.of('/').adapter.close());
      if (pub) await pub.quit().catch(() => undefined);
      if (sub) await sub.quit().catch(() => undefined);
    },
  };
}
