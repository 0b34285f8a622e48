import type http from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from '@volspike/runtime';
import type { IoServer } from './audience.js';

/** The Socket.IO server on the backend's HTTP server (path /socket.io, websocket first, CORS as REST). */
export function createIoServer(httpServer: http.Server, corsOrigins: string[]): IoServer {
  return new Server(httpServer, {
    path: '/socket.io',
    transports: ['websocket', 'polling'],
    cors: { origin: corsOrigins, methods: ['GET', 'POST'], credentials: true },
    serveClient: true,
  });
}

export interface RedisAdapterClients {
  pub: Redis;
  sub: Redis;
}

/** Logs a client's outage once, and its recovery once (not once per retry). */
function logOutages(log: Logger, clients: RedisAdapterClients): void {
  for (const [name, client] of Object.entries(clients)) {
    let down = false;
    client.on('error', (err: unknown) => {
      if (!down) log.warn({ err, client: name }, 'socket.io redis adapter connection error');
      down = true;
    });
    client.on('ready', () => {
      if (down) log.info({ client: name }, 'socket.io redis adapter reconnected');
      down = false;
    });
  }
}

/**
 * The adapter's broadcast() fires PUBLISH without handling the promise: while Redis is down every emit would
 * leave an unhandled rejection, which the lifecycle treats as fatal (the backend would exit). Local clients
 * get the emit regardless; other instances miss what was published during the outage (logged once by
 * {@link logOutages}). Callers that await the promise still see the rejection.
 */
function swallowPublishRejections(pub: Redis): void {
  const publish = pub.publish.bind(pub) as (...args: unknown[]) => Promise<number>;
  (pub as unknown as { publish: (...args: unknown[]) => Promise<number> }).publish = (...args) => {
    const p = publish(...args);
    p.catch(() => undefined);
    return p;
  };
}

/** Fans emits out to every backend instance through Redis pub/sub (several backends behind one proxy). */
export async function attachRedisAdapter(
  io: IoServer,
  opts: { redisUrl: string; keyPrefix?: string | undefined; log: Logger },
): Promise<RedisAdapterClients> {
  const pub = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  // No CLIENT SETINFO on the subscriber: with ioredis 5.8.2+ it can race the resubscription (redis/ioredis#2037).
  const clients = { pub, sub: pub.duplicate({ disableClientInfo: true }) };
  logOutages(opts.log, clients);
  await Promise.all([clients.pub.connect(), clients.sub.connect()]);
  swallowPublishRejections(pub);
  io.adapter(createAdapter(clients.pub, clients.sub, { key: opts.keyPrefix ?? 'socket.io' }));
  opts.log.info('socket.io redis adapter enabled');
  return clients;
}
