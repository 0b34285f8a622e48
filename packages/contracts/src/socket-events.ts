// The Socket.IO contract, both directions (docs/legacy-contracts.md, "Socket.IO"). The backend's server is
// typed by ServerToClientEvents / ClientToServerEvents below, so an event emitted with a name or payload the
// contract does not have fails the typecheck; the backend's audience table is keyed by SocketEventName, so an
// event added here without a server side fails it too.
import { z } from 'zod';

import { VolumeAlertRowSchema } from './volume-alerts.js';
import { OiAlertEventSchema } from './oi-alerts.js';
import { UserAlertTriggeredEventSchema } from './user-alerts.js';

export { VolumeAlertRowSchema as VolumeAlertEventSchema } from './volume-alerts.js';
export { OiAlertEventSchema } from './oi-alerts.js';
export { UserAlertTriggeredEventSchema } from './user-alerts.js';

/** `connected`, sent to the socket itself. refreshInterval ms: free 900000, pro 300000, elite 30000. */
export const ConnectedEventSchema = z
  .object({ tier: z.string(), refreshInterval: z.number().int() })
  .meta({ id: 'ConnectedEvent' });
export type ConnectedEvent = z.infer<typeof ConnectedEventSchema>;

/** Legacy per-symbol `open-interest-update`. `openInterestUsd` is null when ≤ 0 or unknown. */
export const OiUpdateEventSchema = z
  .object({
    symbol: z.string(),
    openInterest: z.number(),
    openInterestUsd: z.number().nullable(),
    source: z.literal('realtime'),
    timestamp: z.string(),
  })
  .meta({ id: 'OiUpdateEvent' });
export type OiUpdateEvent = z.infer<typeof OiUpdateEventSchema>;

/** One element of the batched feed: the legacy fields plus the sample's mark price and own time. */
export const OiUpdatesItemSchema = OiUpdateEventSchema.extend({ markPrice: z.number().nullable(), ts: z.string() });
export type OiUpdatesItem = z.infer<typeof OiUpdatesItemSchema>;

/** New batched `open-interest-updates`: one array per emit tick, newest value per symbol. */
export const OiUpdatesEventSchema = z
  .object({ updates: z.array(OiUpdatesItemSchema), timestamp: z.string() })
  .meta({ id: 'OiUpdatesEvent' });
export type OiUpdatesEvent = z.infer<typeof OiUpdatesEventSchema>;

/** `debug-alert` (room `debug`): every volume and OI alert as it is stored, for the /debug/alerts page. */
export const DebugAlertEventSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('volume'), alert: VolumeAlertRowSchema }),
    z.object({ kind: z.literal('oi'), alert: OiAlertEventSchema }),
  ])
  .meta({ id: 'DebugAlertEvent' });
export type DebugAlertEvent = z.infer<typeof DebugAlertEventSchema>;

/** `error`, sent to the socket itself: the legacy answer to a client request it cannot serve. */
export const SocketErrorEventSchema = z.object({ message: z.string() }).meta({ id: 'SocketErrorEvent' });
export type SocketErrorEvent = z.infer<typeof SocketErrorEventSchema>;

/** Server → client events: who receives each (docs/legacy-contracts.md §3.4 restated in docs/) and the payload schema. */
export const SOCKET_EVENT_SCHEMAS = {
  connected: { rooms: 'the socket itself, on connect', schema: ConnectedEventSchema },
  'volume-alert': {
    rooms: 'tier-elite at once; tier-pro / tier-free on their 5 / 15-minute boundaries',
    schema: VolumeAlertRowSchema,
  },
  'open-interest-alert': { rooms: 'role-admin, tier-pro, tier-elite', schema: OiAlertEventSchema },
  'open-interest-update': {
    rooms: 'tier-elite, tier-pro, tier-free (newest value per symbol per tick)',
    schema: OiUpdateEventSchema,
  },
  'open-interest-updates': { rooms: 'clients that opted into the batched feed', schema: OiUpdatesEventSchema },
  'user-alert-triggered': { rooms: 'user-<userId>', schema: UserAlertTriggeredEventSchema },
  'debug-alert': { rooms: 'debug (subscribe-debug; DEBUG_ACCESS decides who may join)', schema: DebugAlertEventSchema },
  error: {
    rooms: 'the socket itself (e.g. subscribe-watchlist: "Watchlist not found")',
    schema: SocketErrorEventSchema,
  },
} as const satisfies Record<string, { rooms: string; schema: z.ZodType }>;

export type SocketEventName = keyof typeof SOCKET_EVENT_SCHEMAS;
export type SocketEventPayload<K extends SocketEventName> = z.output<(typeof SOCKET_EVENT_SCHEMAS)[K]['schema']>;

/** Every server → client event by a code name; `satisfies` makes a missing or unknown name a type error. */
export const SOCKET_EVENTS = {
  connected: 'connected',
  volumeAlert: 'volume-alert',
  oiAlert: 'open-interest-alert',
  oiUpdate: 'open-interest-update',
  oiUpdates: 'open-interest-updates',
  userAlertTriggered: 'user-alert-triggered',
  debugAlert: 'debug-alert',
  error: 'error',
} as const satisfies Record<string, SocketEventName>;

/** Compile-time check: SOCKET_EVENTS names every event of SOCKET_EVENT_SCHEMAS (the type is `true` only then). */
type Unnamed = Exclude<SocketEventName, (typeof SOCKET_EVENTS)[keyof typeof SOCKET_EVENTS]>;
export const SOCKET_EVENTS_COMPLETE: [Unnamed] extends [never] ? true : Unnamed = true;

/** The typed event map of the server's `emit` (Socket.IO's first generic on the client side). */
export type ServerToClientEvents = { [K in SocketEventName]: (payload: SocketEventPayload<K>) => void };

/** Acknowledgement of a client request (`{ ok: false }`: the symbol was not a symbol, or access denied). */
export interface SocketAck {
  ok: boolean;
}
type AckFn = (answer: SocketAck) => void;

/** Client → server events. Legacy clients send no acknowledgement callback; ours may. */
export interface ClientToServerEvents {
  'subscribe-symbol': (symbol: unknown, ack?: AckFn) => void;
  'unsubscribe-symbol': (symbol: unknown, ack?: AckFn) => void;
  'subscribe-watchlist': (watchlistId?: unknown) => void;
  'subscribe-oi-batch': (ack?: AckFn) => void;
  'unsubscribe-oi-batch': (ack?: AckFn) => void;
  /** Per-symbol OI feed: `open-interest-update` only for the symbols of `subscribe-symbol` (ours, not legacy). */
  'subscribe-oi-symbols': (ack?: AckFn) => void;
  'unsubscribe-oi-symbols': (ack?: AckFn) => void;
  'subscribe-debug': (ack?: AckFn) => void;
}
export const CLIENT_SOCKET_EVENTS = [
  'subscribe-symbol',
  'unsubscribe-symbol',
  'subscribe-watchlist',
  'subscribe-oi-batch',
  'unsubscribe-oi-batch',
  'subscribe-oi-symbols',
  'unsubscribe-oi-symbols',
  'subscribe-debug',
] as const satisfies readonly (keyof ClientToServerEvents)[];
