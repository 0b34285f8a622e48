import { parseSymbol, SOCKET_EVENTS, type SocketAck } from '@volspike/contracts';
import type { Logger } from '@volspike/runtime';
import type { Auth } from '../auth/index.js';
import { DEBUG_TOKEN_COOKIE, readCookie } from '../auth/index.js';
import {
  DEBUG_ROOM,
  OI_BATCH_ROOM,
  OI_SYMBOLS_ROOM,
  REFRESH_INTERVAL_MS,
  oiSymbolRoom,
  oiSymbolRoomsOf,
  symbolRoom,
  symbolsOf,
  userRoom,
} from './audience.js';
import type { IoServer, IoSocket } from './audience.js';
import { HandshakeError, identify, type SocketIdentity } from './handshake.js';

export interface ConnectionOptions {
  auth: Auth;
  log: Logger;
  /** Who may join the `debug` room: everyone, or admins only. */
  debugAccess: 'public' | 'admin';
}

/** Every connection is identified first (§3.2); a refused handshake reaches the client as `connect_error`. */
export function installHandshake(io: IoServer, opts: ConnectionOptions): void {
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
        opts.log.warn({ err }, 'socket handshake failed');
        next(new Error('Authentication failed'));
      },
    );
  });
}

/** Client events may carry an acknowledgement callback; legacy clients send none. */
function ack(fn: ((answer: SocketAck) => void) | undefined, ok: boolean): void {
  if (typeof fn === 'function') fn({ ok });
}

async function allowDebug(socket: IoSocket, opts: ConnectionOptions): Promise<boolean> {
  const identity = socket.data.identity;
  if (opts.debugAccess === 'public' || identity.role === 'ADMIN') return true;
  const cookieToken = readCookie(socket.handshake.headers.cookie, DEBUG_TOKEN_COOKIE);
  if (!cookieToken) return false;
  const user = await opts.auth.verifyToken(cookieToken).catch(() => null);
  return user?.role === 'ADMIN';
}

/** Rooms by identity (§3.3), the `connected` greeting, and the client → server events of the contract. */
export function onConnection(socket: IoSocket, opts: ConnectionOptions): void {
  const identity: SocketIdentity = socket.data.identity;
  void socket.join([`tier-${identity.tier}`, userRoom(identity.userId)]);
  if (identity.role === 'ADMIN') void socket.join('role-admin');
  socket.emit(SOCKET_EVENTS.connected, {
    tier: identity.tier,
    refreshInterval: REFRESH_INTERVAL_MS[identity.tier] ?? 900_000,
  });

  socket.on('subscribe-symbol', (symbol, fn) => {
    const s = parseSymbol(symbol);
    if (s !== null)
      void socket.join(socket.rooms.has(OI_SYMBOLS_ROOM) ? [symbolRoom(s), oiSymbolRoom(s)] : symbolRoom(s));
    ack(fn, s !== null);
  });
  socket.on('unsubscribe-symbol', (symbol, fn) => {
    const s = parseSymbol(symbol);
    if (s !== null) for (const room of [symbolRoom(s), oiSymbolRoom(s)]) void socket.leave(room);
    ack(fn, s !== null);
  });
  // No watchlist model exists on this side; the legacy answer for a watchlist the user does not own.
  socket.on('subscribe-watchlist', () => {
    socket.emit(SOCKET_EVENTS.error, { message: 'Watchlist not found' });
  });
  installOiFeedEvents(socket);
  socket.on('subscribe-debug', (fn) => {
    void allowDebug(socket, opts).then((ok) => {
      if (ok) void socket.join(DEBUG_ROOM);
      ack(fn, ok);
    });
  });
}

/**
 * The three OI update feeds, one at a time: the legacy firehose (`open-interest-update` of every symbol, the
 * default), the batch (`subscribe-oi-batch`: one `open-interest-updates` array per tick) and the per-symbol
 * feed (`subscribe-oi-symbols`: `open-interest-update` only for the symbols of `subscribe-symbol`). Choosing
 * one leaves the other; unsubscribing returns to the firehose.
 */
function installOiFeedEvents(socket: IoSocket): void {
  const leaveSymbolFeed = () => {
    void socket.leave(OI_SYMBOLS_ROOM);
    for (const room of oiSymbolRoomsOf(socket.rooms)) void socket.leave(room);
  };
  socket.on('subscribe-oi-batch', (fn) => {
    leaveSymbolFeed();
    void socket.join(OI_BATCH_ROOM);
    ack(fn, true);
  });
  socket.on('unsubscribe-oi-batch', (fn) => {
    void socket.leave(OI_BATCH_ROOM);
    ack(fn, true);
  });
  socket.on('subscribe-oi-symbols', (fn) => {
    void socket.leave(OI_BATCH_ROOM);
    void socket.join([OI_SYMBOLS_ROOM, ...symbolsOf(socket.rooms).map(oiSymbolRoom)]);
    ack(fn, true);
  });
  socket.on('unsubscribe-oi-symbols', (fn) => {
    leaveSymbolFeed();
    ack(fn, true);
  });
}
