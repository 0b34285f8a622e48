import type http from 'node:http';
import {
  SOCKET_EVENTS,
  oiAlertEvent,
  type StoredOiAlert,
  type StoredVolumeAlert,
  type UserAlertTriggeredEvent,
} from '@volspike/contracts';
import type { PrismaClient } from '@volspike/db';
import type { Logger } from '@volspike/runtime';
import type { Auth } from '../auth/index.js';
import { roomsOf, userRoom, type IoServer, type SocketData } from './audience.js';
import { installHandshake, onConnection } from './connection.js';
import { attachRedisAdapter, createIoServer, type RedisAdapterClients } from './io-server.js';
import type { OiUpdateSample } from './oi-coalescer.js';
import { OiUpdateFanout } from './oi-fanout.js';
import { VolumeAlertFanout } from './volume-fanout.js';

export type { OiUpdateSample } from './oi-coalescer.js';
export type { SocketIdentity } from './handshake.js';
export type { IoServer, SocketData } from './audience.js';
export { DEBUG_ROOM, OI_BATCH_ROOM, REFRESH_INTERVAL_MS } from './audience.js';
export { OI_UPDATE_BACKLOG_BYTES, OI_UPDATE_BACKLOG_LIMIT } from './oi-fanout.js';
export { nextBoundary, releasesImmediately, PRO_PERIOD_MS, FREE_PERIOD_MS } from './tier-release.js';

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
  /** OI_UPDATE_FLUSH_GAP_MS (default 50) */
  oiUpdateFlushGapMs?: number;
  /** OI_UPDATE_FLUSH_BURST (default 4) */
  oiUpdateFlushBurst?: number;
  /** OI_UPDATE_MAX_AGE_MS (default 60 000): older samples are stored but not broadcast */
  oiUpdateMaxAgeMs?: number;
  now?: () => number;
  /** Who may join the `debug` room (live feed of /debug/alerts): everyone, or admins only (default). */
  debugAccess?: 'public' | 'admin';
}

export interface Realtime {
  emitVolumeAlert(row: StoredVolumeAlert): void;
  /** A stored OI alert (Decimals) or its event form; sent as the contract's `OiAlertEvent`. */
  emitOiAlert(row: StoredOiAlert): void;
  queueOiUpdates(samples: OiUpdateSample[]): void;
  emitUserAlertTriggered(userId: string, payload: UserAlertTriggeredEvent): void;
  stats(): { clients: number; byTier: Record<string, number> };
  /** Alerts waiting for their tier's boundary (for /health and tests). */
  pending(): { pro: number; free: number; oiSymbols: number; skippedOiUpdates: number; notLiveOiUpdates: number };
  readonly io: IoServer;
  /** Disconnects clients and the adapter; does NOT close the HTTP server (its owner does). */
  close(): Promise<void>;
}

function clientStats(io: IoServer): { clients: number; byTier: Record<string, number> } {
  const byTier: Record<string, number> = { free: 0, pro: 0, elite: 0 };
  let clients = 0;
  for (const socket of io.of('/').sockets.values()) {
    clients += 1;
    const tier = (socket.data as Partial<SocketData>).identity?.tier ?? 'free';
    byTier[tier] = (byTier[tier] ?? 0) + 1;
  }
  return { clients, byTier };
}

/** Socket.IO of the backend: handshake, rooms, and the server → client events of the contract (§3). */
export async function createRealtime(opts: RealtimeOptions): Promise<Realtime> {
  const log = opts.logger.child({ component: 'realtime' });
  const now = opts.now ?? Date.now;
  const io = createIoServer(opts.httpServer, opts.corsOrigins);
  const redis: RedisAdapterClients | null = opts.redisUrl
    ? await attachRedisAdapter(io, { redisUrl: opts.redisUrl, keyPrefix: opts.redisKeyPrefix, log })
    : null;
  const connection = { auth: opts.auth, log, debugAccess: opts.debugAccess ?? 'admin' };
  installHandshake(io, connection);
  io.on('connection', (socket) => onConnection(socket, connection));

  const volume = new VolumeAlertFanout(io, { prisma: opts.prisma, log, now });
  await volume
    .restore()
    .catch((err: unknown) => log.warn({ err }, 'could not restore the volume alerts waiting for their tier boundary'));
  const oi = new OiUpdateFanout(io, {
    tickMs: opts.oiUpdateTickMs ?? 1000,
    gapMs: opts.oiUpdateFlushGapMs ?? 50,
    burst: opts.oiUpdateFlushBurst ?? 4,
    maxAgeMs: opts.oiUpdateMaxAgeMs ?? 60_000,
    now,
    log,
    adapterShared: redis !== null,
  });

  return {
    io,
    emitVolumeAlert: (row) => volume.emit(row),
    emitOiAlert(row) {
      const payload = oiAlertEvent(row);
      io.to(roomsOf('open-interest-alert')).emit(SOCKET_EVENTS.oiAlert, payload);
      io.to(roomsOf('debug-alert')).emit(SOCKET_EVENTS.debugAlert, { kind: 'oi', alert: payload });
    },
    queueOiUpdates: (samples) => oi.queue(samples),
    emitUserAlertTriggered(userId, payload) {
      io.to(userRoom(userId)).emit(SOCKET_EVENTS.userAlertTriggered, payload);
    },
    stats: () => clientStats(io),
    pending: () => ({ ...volume.pending(), ...oi.pending() }),
    async close() {
      volume.stop();
      oi.stop();
      io.local.disconnectSockets(true);
      io.engine.close();
      await Promise.resolve(io.of('/').adapter.close());
      if (redis) await Promise.all([redis.pub.quit(), redis.sub.quit()]).catch(() => undefined);
    },
  };
}
