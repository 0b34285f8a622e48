import { z } from 'zod';

export { VolumeAlertRowSchema as VolumeAlertEventSchema } from './volume-alerts.js';
export { OiAlertEventSchema } from './oi-alerts.js';
export { UserAlertTriggeredEventSchema } from './user-alerts.js';

/** `connected`, sent to the socket itself. refreshInterval ms: free 900000, pro 300000, elite 30000. */
export const ConnectedEventSchema = z.object({ tier: z.string(), refreshInterval: z.number().int() });
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
export const OiUpdatesEventSchema = z.object({
  updates: z.array(OiUpdateEventSchema.extend({ markPrice: z.number().nullable(), ts: z.string() })),
  timestamp: z.string(),
});
export type OiUpdatesEvent = z.infer<typeof OiUpdatesEventSchema>;

export const SOCKET_EVENTS = {
  connected: 'connected',
  volumeAlert: 'volume-alert',
  oiAlert: 'open-interest-alert',
  oiUpdate: 'open-interest-update',
  oiUpdates: 'open-interest-updates',
  userAlertTriggered: 'user-alert-triggered',
} as const;
