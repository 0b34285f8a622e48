import { z } from 'zod';
import { dateString, queryInt, symbolString } from './common.js';

export const OI_DIRECTIONS = ['UP', 'DOWN'] as const;
export type OiDirection = (typeof OI_DIRECTIONS)[number];

/** `POST /api/open-interest-alerts/ingest` body (docs/legacy-contracts.md §1.5, as the OI poller sends it). */
export const OiAlertIngestSchema = z
  .object({
    symbol: symbolString(),
    direction: z.enum(OI_DIRECTIONS, { message: 'must be UP or DOWN' }),
    baseline: z.number().min(0, { message: 'must not be negative' }),
    current: z.number().min(0, { message: 'must not be negative' }),
    pctChange: z.number(),
    absChange: z.number(),
    priceChange: z.number().nullable().optional(),
    fundingRate: z.number().nullable().optional(),
    timeframe: z.string().min(1).max(32).default('5 min').meta({ description: '"5 min", "15 min" or "1 hour"' }),
    timestamp: dateString(),
    source: z.string().min(1).max(64),
    details: z.record(z.string(), z.unknown()).optional().meta({ description: 'why the alert fired (new)' }),
  })
  .meta({ id: 'OiAlertIngest' });
export type OiAlertIngest = z.input<typeof OiAlertIngestSchema>;

export const OiAlertIngestResponseSchema = z.object({
  success: z.literal(true),
  id: z.string(),
  duplicate: z.boolean().optional(),
});

/**
 * `POST /api/open-interest-alerts/also-crossed` body: a timeframe that crossed while the symbol's cap (one UP and
 * one DOWN alert per OI_ALERT_SYMBOL_COOLDOWN_MIN) was held by an alert already sent; appended to that alert's
 * `details.alsoCrossed` (the same shape as the poller's explanation), never broadcast as an alert of its own.
 */
export const OiAlertAlsoCrossedSchema = z
  .object({
    symbol: symbolString(),
    direction: z.enum(OI_DIRECTIONS, { message: 'must be UP or DOWN' }),
    alert: z
      .object({ timeframe: z.string().min(1).max(32), timestamp: dateString() })
      .meta({ description: 'the sent alert (with symbol and direction, its key)' }),
    crossing: z.object({
      timeframe: z.string().min(1).max(32),
      ts: z.number().int().positive().meta({ description: 'sample time of the crossing, epoch ms' }),
      baseline: z.number().min(0, { message: 'must not be negative' }),
      current: z.number().min(0, { message: 'must not be negative' }),
      pctChange: z.number(),
      absChange: z.number(),
    }),
  })
  .meta({ id: 'OiAlertAlsoCrossed' });
export type OiAlertAlsoCrossed = z.input<typeof OiAlertAlsoCrossedSchema>;

export const OiAlertAlsoCrossedResponseSchema = z.object({
  success: z.literal(true),
  id: z.string(),
  duplicate: z.boolean(),
});

/** REST row of `GET /api/open-interest-alerts`: Decimal columns are strings (legacy Prisma JSON). */
export const OiAlertRestRowSchema = z.object({
  id: z.string(),
  symbol: z.string(),
  direction: z.string(),
  baseline: z.string(),
  current: z.string(),
  pctChange: z.string(),
  absChange: z.string(),
  priceChange: z.string().nullable(),
  fundingRate: z.string().nullable(),
  timeframe: z.string(),
  source: z.string(),
  ts: z.string(),
  createdAt: z.string(),
});

/** The `open-interest-alert` socket payload (and `/recent` rows): Decimals as numbers. */
export const OiAlertEventSchema = z
  .object({
    id: z.string(),
    symbol: z.string(),
    direction: z.enum(OI_DIRECTIONS),
    baseline: z.number(),
    current: z.number(),
    pctChange: z.number(),
    absChange: z.number(),
    priceChange: z.number().nullable(),
    fundingRate: z.number().nullable(),
    timeframe: z.string(),
    source: z.string(),
    ts: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'OiAlertEvent' });
export type OiAlertEvent = z.infer<typeof OiAlertEventSchema>;

/** Largest `offset` of `GET /api/open-interest-alerts` (deeper pages would make Postgres walk and drop the rows). */
export const MAX_OI_ALERTS_OFFSET = 10_000;

export const OiAlertsQuerySchema = z.object({
  symbol: symbolString().optional(),
  direction: z.enum(OI_DIRECTIONS).optional(),
  limit: queryInt({ min: 1 }).optional(),
  offset: queryInt({ min: 0, max: MAX_OI_ALERTS_OFFSET }).optional(),
});
export const OiAlertsResponseSchema = z.object({
  alerts: z.array(OiAlertRestRowSchema),
  count: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const OiAlertsRecentQuerySchema = z.object({
  symbol: symbolString().optional(),
  direction: z.enum(OI_DIRECTIONS).optional(),
  limit: queryInt({ min: 1, max: 500 }).optional(),
});
export const OiAlertsRecentResponseSchema = z.object({ alerts: z.array(OiAlertEventSchema), count: z.number().int() });
