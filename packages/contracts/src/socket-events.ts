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

/** New batched `open-interest-updates`: one array per emit tick, newest value per symbol. */
export const OiUpdatesEventSchema = z
  .object({
    updates: z.array(OiUpdateEventSchema.extend({ markPrice: z.number().nullable(), ts: z.string() })),
    timestamp: z.string(),
  })
  .meta({ id: 'OiUpdatesEvent' });
export type OiUpdatesEvent = z.infer<typeof OiUpdatesEventSchema>;

export const SOCKET_EVENTS = {
  connected: 'connected',
  volumeAlert: 'volume-alert',
  oiAlert: 'open-interest-alert',
  oiUpdate: 'open-interest-update',
  oiUpdates: 'open-interest-updates',
  userAlertTriggered: 'user-alert-triggered',
} as const;

/** Server → client events with their rooms (CONTRACTS §3.4) and payload schemas (used by the OpenAPI document). */
export const SOCKET_EVENT_SCHEMAS: Record<string, { rooms: string; schema: z.ZodType }> = {
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
};
