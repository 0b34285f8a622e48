import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, SocketEventName } from '@volspike/contracts';
import type { SocketIdentity } from './handshake.js';

/** What the server keeps per socket (set by the handshake). */
export interface SocketData {
  identity: SocketIdentity;
}
/** The backend's Socket.IO server, typed by the contract: `emit(name, payload)` checks both. */
export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const TIER_ROOMS = ['tier-elite', 'tier-pro', 'tier-free'] as const;
export const OI_BATCH_ROOM = 'oi-batch';
/** Sockets on the per-symbol OI feed (`subscribe-oi-symbols`): `open-interest-update` of their symbols only. */
export const OI_SYMBOLS_ROOM = 'oi-symbols';
export const DEBUG_ROOM = 'debug';
export const userRoom = (userId: string): string => `user-${userId}`;
const SYMBOL_ROOM_PREFIX = 'symbol-';
const OI_SYMBOL_ROOM_PREFIX = 'oi-symbol-';
export const symbolRoom = (symbol: string): string => `${SYMBOL_ROOM_PREFIX}${symbol}`;
/** The `open-interest-update` room of one symbol, joined only by sockets on the per-symbol OI feed. */
export const oiSymbolRoom = (symbol: string): string => `${OI_SYMBOL_ROOM_PREFIX}${symbol}`;
/** The symbols of a socket's `symbolRoom`s (`subscribe-symbol`). */
export const symbolsOf = (rooms: Iterable<string>): string[] =>
  [...rooms].filter((r) => r.startsWith(SYMBOL_ROOM_PREFIX)).map((r) => r.slice(SYMBOL_ROOM_PREFIX.length));
/** A socket's `oiSymbolRoom`s (the per-symbol OI feed). */
export const oiSymbolRoomsOf = (rooms: Iterable<string>): string[] =>
  [...rooms].filter((r) => r.startsWith(OI_SYMBOL_ROOM_PREFIX));

/**
 * Who receives each server event. Keyed by the contract's event names: an event added to
 * `SOCKET_EVENT_SCHEMAS` without a line here fails the typecheck, and the emits below take their rooms from
 * this table. `self`: the one socket concerned; `user`: the room of the alert's owner.
 */
export const AUDIENCE = {
  connected: 'self',
  error: 'self',
  'volume-alert': TIER_ROOMS, // tier-pro / tier-free on their boundaries (volume-fanout.ts)
  'open-interest-alert': ['role-admin', 'tier-pro', 'tier-elite'],
  // except sockets on the batched or the per-symbol feed; those on the per-symbol feed get it through
  // `oiSymbolRoom(symbol)` (oi-fanout.ts)
  'open-interest-update': TIER_ROOMS,
  'open-interest-updates': [OI_BATCH_ROOM],
  'user-alert-triggered': 'user',
  'debug-alert': [DEBUG_ROOM],
} as const satisfies { [K in SocketEventName]: 'self' | 'user' | readonly string[] };

/** The rooms of an event that goes to fixed rooms (a fresh array: Socket.IO's `to()` takes a mutable one). */
export function roomsOf(
  event: { [K in SocketEventName]: (typeof AUDIENCE)[K] extends readonly string[] ? K : never }[SocketEventName],
): string[] {
  return [...AUDIENCE[event]];
}

/** refreshInterval (ms) sent in `connected` (§3.4). */
export const REFRESH_INTERVAL_MS: Record<string, number> = { free: 900_000, pro: 300_000, elite: 30_000 };
