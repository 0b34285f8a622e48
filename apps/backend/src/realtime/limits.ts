// Limits of the Socket.IO endpoint: handshakes per client address (429 + Retry-After, shared through Redis when
// REDIS_URL is set), guest sockets per address (per process), symbol rooms per socket.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Server, Socket } from 'socket.io';
import type { Logger } from '@volspike/runtime';
import { clientAddress } from '../http/client-address.js';
import type { RateLimiter } from '../http/rate-limit.js';
import { symbolRoom, symbolsOf } from './audience.js';
import type { SocketIdentity } from './handshake.js';

export interface SocketLimits {
  handshakes: RateLimiter;
  /** SOCKET_MAX_GUESTS_PER_IP (0: no cap) */
  maxGuestsPerAddress: number;
  /** SOCKET_MAX_SYMBOLS */
  maxSymbolsPerSocket: number;
  /** TRUST_PROXY_HOPS */
  trustProxyHops: number;
  logger: Logger;
}

function refuse429(res: ServerResponse, retryAfterSec: number): void {
  const body = JSON.stringify({ error: 'Too Many Requests', retryAfterSec });
  // A WebSocket upgrade has no ServerResponse yet (engine.io passes a stand-in holding the raw socket).
  const raw = (res as unknown as { socket?: Duplex }).socket;
  if (typeof res.writeHead !== 'function' || !('statusCode' in res)) {
    raw?.end(
      `HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${retryAfterSec}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    return;
  }
  res.writeHead(429, { 'Retry-After': String(retryAfterSec), 'Content-Type': 'application/json' });
  res.end(body);
}

/** The address a handshake comes from (X-Forwarded-For only through TRUST_PROXY_HOPS proxies). */
export function socketAddress(socket: Socket, hops: number): string {
  return clientAddress(socket.handshake.address, socket.handshake.headers, hops);
}

export function installSocketLimits(io: Server, limits: SocketLimits): void {
  const log = limits.logger.child({ component: 'socket-limits' });
  // engine.io handshakes: a request without `sid` opens a new session (polling GET or WebSocket upgrade).
  io.engine.use((req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.has('sid') || !limits.handshakes.enabled) return next();
    const addr = clientAddress(req.socket.remoteAddress, req.headers, limits.trustProxyHops);
    limits.handshakes.take(addr).then((d) => {
      if (d.ok) return next();
      log.debug({ addr, retryAfterSec: d.retryAfterSec }, 'socket handshake rate limited');
      refuse429(res, d.retryAfterSec);
    }, next);
  });

  const guests = new Map<string, number>();
  io.use((socket, next) => {
    const identity = socket.data.identity as SocketIdentity | undefined;
    if (!identity?.guest || limits.maxGuestsPerAddress <= 0) return next();
    const addr = socketAddress(socket, limits.trustProxyHops);
    const n = guests.get(addr) ?? 0;
    if (n >= limits.maxGuestsPerAddress) return next(new Error('Too many guest connections from this address'));
    guests.set(addr, n + 1);
    socket.once('disconnect', () => {
      const left = (guests.get(addr) ?? 1) - 1;
      if (left <= 0) guests.delete(addr);
      else guests.set(addr, left);
    });
    next();
  });

  io.on('connection', (socket) => {
    socket.use((packet, next) => {
      if (packet[0] !== 'subscribe-symbol') return next();
      const symbol: unknown = packet[1];
      if (typeof symbol === 'string' && socket.rooms.has(symbolRoom(symbol.trim().toUpperCase()))) return next();
      if (symbolsOf(socket.rooms).length < limits.maxSymbolsPerSocket) return next();
      const message = `Too many symbol subscriptions (at most ${limits.maxSymbolsPerSocket} per connection)`;
      const ack = packet[packet.length - 1];
      if (typeof ack === 'function')
        (ack as (r: { ok: boolean; error: string }) => void)({ ok: false, error: message });
      else socket.emit('error', { message });
    });
  });
}
