import { z } from 'zod';
import { finite, isoUtc, queryNumber, symbolString } from './common.js';

export const VOLUME_ALERT_TYPES = ['SPIKE', 'HALF_UPDATE', 'FULL_UPDATE'] as const;
export const TIERS = ['free', 'pro', 'elite'] as const;
export type Tier = (typeof TIERS)[number];

/**
 * `POST /api/volume-alerts/ingest` body, exactly as the volume daemon sends it (docs/legacy-contracts.md §1.3):
 * unknown keys are dropped, `null` is not accepted for optional fields, timestamps are UTC with `Z`.
 */
/** Longest `asset` of a volume alert (a base asset such as BTC or 1000PEPE). */
export const MAX_VOLUME_ALERT_ASSET_LENGTH = 40;
/** Longest `message` of a volume alert (the legacy daemon's text is a few hundred characters; Telegram's cap is 4096). */
export const MAX_VOLUME_ALERT_MESSAGE_LENGTH = 4000;

export const VolumeAlertIngestSchema = z
  .object({
    symbol: symbolString(),
    asset: z
      .string()
      .min(1)
      .max(MAX_VOLUME_ALERT_ASSET_LENGTH, { message: `must be at most ${MAX_VOLUME_ALERT_ASSET_LENGTH} characters` }),
    currentVolume: finite(),
    previousVolume: finite(),
    volumeRatio: finite(),
    price: finite().optional(),
    fundingRate: finite().optional(),
    candleDirection: z.enum(['bullish', 'bearish']).optional(),
    message: z.string().max(MAX_VOLUME_ALERT_MESSAGE_LENGTH, {
      message: `must be at most ${MAX_VOLUME_ALERT_MESSAGE_LENGTH} characters`,
    }),
    timestamp: isoUtc(),
    detectionTime: isoUtc().optional(),
    hourTimestamp: isoUtc(),
    isUpdate: z.boolean().optional(),
    alertType: z.enum(VOLUME_ALERT_TYPES).optional(),
    priceChange: finite().optional(),
    oiChange: finite().optional(),
  })
  .meta({ id: 'VolumeAlertIngest' });
export type VolumeAlertIngest = z.infer<typeof VolumeAlertIngestSchema>;

export const VolumeAlertIngestResponseSchema = z.object({ success: z.literal(true), alertId: z.string() });

/** A `volume_alerts` row as REST and the `volume-alert` socket event carry it (dates as ISO strings). */
export const VolumeAlertRowSchema = z
  .object({
    id: z.string(),
    symbol: z.string(),
    asset: z.string(),
    currentVolume: z.number(),
    previousVolume: z.number(),
    volumeRatio: z.number(),
    price: z.number().nullable(),
    fundingRate: z.number().nullable(),
    alertType: z.enum(VOLUME_ALERT_TYPES),
    message: z.string(),
    timestamp: z.string(),
    hourTimestamp: z.string(),
    isUpdate: z.boolean(),
    candleDirection: z.string().nullable(),
    detectionTime: z.string().nullable(),
    oiChange: z.number().nullable(),
    priceChange: z.number().nullable(),
  })
  .meta({ id: 'VolumeAlertRow' });
export type VolumeAlertRow = z.infer<typeof VolumeAlertRowSchema>;

/** `GET /api/volume-alerts` query. `tier` is accepted for compatibility but ignored: the tier is the caller's. */
export const VolumeAlertsQuerySchema = z.object({
  tier: z.string().optional(),
  symbol: symbolString().optional(),
});
export const VolumeAlertsResponseSchema = z.object({
  alerts: z.array(VolumeAlertRowSchema),
  tier: z.enum(['free', 'pro', 'elite', 'admin']),
  limit: z.number().int(),
  lastBroadcastTime: z.string(),
});

export const VolumeAlertsRecentQuerySchema = z.object({
  hours: queryNumber({ min: 0, max: 24 * 366 }).optional(),
  limit: z.string().regex(/^\d+$/, { message: 'must be a non-negative integer' }).transform(Number).optional(),
});
export const VolumeAlertsRecentResponseSchema = z.object({
  alerts: z.array(VolumeAlertRowSchema),
  hours: z.number(),
  count: z.number().int(),
});

export const SubscriptionCreateSchema = z.object({ symbol: symbolString() });
export const SubscriptionSchema = z.object({
  id: z.string(),
  userId: z.string(),
  symbol: z.string(),
  createdAt: z.string(),
});
export const SubscriptionsResponseSchema = z.object({ subscriptions: z.array(SubscriptionSchema) });
export const SubscriptionCreateResponseSchema = z.object({
  success: z.literal(true),
  subscription: SubscriptionSchema,
});
