import { z } from 'zod';
import { MAX_OI_ITEMS, MAX_UNIVERSE_ITEMS, dateString, queryInt, symbolString } from './common.js';

export const OI_INGEST_SOURCES = ['snapshot', 'realtime', 'snapshot_legacy'] as const;
export type OiIngestSource = (typeof OI_INGEST_SOURCES)[number];
/** Source of the rows the retention job writes when it downsamples realtime samples. */
export const OI_DOWNSAMPLED_SOURCE = 'realtime_5m';

/**
 * One OI sample. `openInterest` may be omitted when `openInterestUsd` and `markPrice > 0` are given (legacy rule:
 * it is then usd ÷ price). The legacy poller sends `markPrice: 0.0` / `openInterestUsd: 0.0` when it has no
 * price; those zeros are accepted and stored as null (missing), never as 0.
 */
export const OiSampleInputSchema = z
  .object({
    symbol: symbolString(),
    openInterest: z.number().min(0, { message: 'must not be negative' }).nullable().optional(),
    openInterestUsd: z.number().min(0, { message: 'must not be negative' }).nullable().optional(),
    markPrice: z.number().min(0, { message: 'must not be negative' }).nullable().optional(),
    ts: dateString()
      .optional()
      .meta({ description: "this sample's own time (ISO-8601); defaults to the batch's `timestamp`" }),
  })
  .refine(
    (s) =>
      typeof s.openInterest === 'number' ||
      (typeof s.openInterestUsd === 'number' && typeof s.markPrice === 'number' && s.markPrice > 0),
    { message: 'required (or give openInterestUsd and markPrice > 0)', path: ['openInterest'] },
  )
  .meta({ id: 'OiSampleInput' });
export type OiSampleInput = z.infer<typeof OiSampleInputSchema>;

export const OiIngestSchema = z
  .object({
    data: z
      .array(OiSampleInputSchema)
      .min(1, { message: 'must contain at least one item' })
      .max(MAX_OI_ITEMS, { message: `must contain at most ${MAX_OI_ITEMS} items` }),
    timestamp: dateString().optional(),
    totalSymbols: z.number().optional(),
    source: z
      .enum(OI_INGEST_SOURCES, { message: `must be one of ${OI_INGEST_SOURCES.join(', ')}` })
      .default('snapshot'),
  })
  .meta({ id: 'OiIngest' });
export type OiIngest = z.input<typeof OiIngestSchema>;

export const OiIngestResponseSchema = z.object({
  success: z.boolean(),
  inserted: z.number().int(),
  duplicates: z.number().int(),
  cached: z.number().int(),
  errors: z.array(z.string()).optional(),
});
export type OiIngestResponse = z.infer<typeof OiIngestResponseSchema>;

/** Legacy `GET /api/market/open-interest`. */
export const OiMapResponseSchema = z.object({
  data: z.record(z.string(), z.number()),
  stale: z.boolean(),
  asOf: z.number().nullable(),
  dangerouslyStale: z.boolean(),
});

export const OiLatestQuerySchema = z.object({
  symbols: z.string().optional().meta({ description: 'comma-separated symbols; all when absent' }),
});
export const OiLatestItemSchema = z.object({
  symbol: z.string(),
  openInterest: z.number(),
  openInterestUsd: z.number().nullable(),
  markPrice: z.number().nullable(),
  ts: z.string(),
  source: z.string(),
  ageMs: z.number(),
});
export const OiLatestResponseSchema = z.object({ data: z.array(OiLatestItemSchema), count: z.number().int() });

export const OiSamplesQuerySchema = z.object({
  symbol: symbolString(),
  since: dateString().optional().meta({ description: 'default: now − 1 hour' }),
  limit: queryInt({ min: 1, max: 10000 }).optional(),
});
export const OiSampleSchema = z.object({
  ts: z.string(),
  openInterest: z.number(),
  openInterestUsd: z.number().nullable(),
  markPrice: z.number().nullable(),
  source: z.string(),
});
export const OiSamplesResponseSchema = z.object({
  symbol: z.string(),
  samples: z.array(OiSampleSchema),
  count: z.number().int(),
});

export const OiSnapshotQuerySchema = z.object({ symbol: symbolString().optional(), ts: z.string().optional() });
export const OiSnapshotResponseSchema = z.union([
  z.object({
    found: z.literal(true),
    symbol: z.string(),
    openInterest: z.number(),
    openInterestUsd: z.number().nullable(),
    markPrice: z.number().nullable(),
    ts: z.string(),
    source: z.string(),
  }),
  z.object({ found: z.literal(false), symbol: z.string(), requestedTs: z.string() }),
]);

export const LiquidSymbolSchema = z.object({
  symbol: z.string(),
  quoteVolume24h: z.number(),
  enteredAt: z.string(),
  lastSeenAt: z.string(),
  /** What the OI poller really does: its measured mean interval (rounded half up), or — before it has
   *  reported any — the legacy formula (see `pollIntervalSource`). Same on every item. */
  estimatedPollIntervalSec: z.number().int(),
  /** The longest any liquid symbol went without an OI poll over the poller's last 5 minutes (seconds,
   *  rounded up); null before the poller has reported. Same on every item. */
  maxStalenessSec: z.number().int().nullable().optional(),
});
export const LiquidUniverseResponseSchema = z
  .object({
    updatedAt: z.string(),
    enterThreshold: z.number(),
    exitThreshold: z.number(),
    symbols: z.array(LiquidSymbolSchema),
    totalSymbols: z.number().int(),
    /** `measured`: from the oi-poller's latest fresh heartbeat; `formula`: the legacy 5–20 s estimate. */
    pollIntervalSource: z.enum(['measured', 'formula']).optional(),
  })
  .meta({ id: 'LiquidUniverse' });
export type LiquidUniverseResponse = z.infer<typeof LiquidUniverseResponseSchema>;

/** `quoteVolume24h` as a number or a numeric string (the legacy route parsed it); anything else is rejected. */
const quoteVolume = z.union([
  z.number().min(0, { message: 'must not be negative' }),
  z.string().regex(/^\s*\d+(\.\d+)?([eE][+-]?\d+)?\s*$/, { message: 'must be a non-negative number' }),
]);

export const LiquidUniverseUpdateSchema = z
  .object({
    symbols: z
      .array(
        z.object({
          symbol: symbolString(),
          quoteVolume24h: quoteVolume,
          enteredAt: dateString().nullable().optional(),
          lastSeenAt: dateString().nullable().optional(),
        }),
      )
      .max(MAX_UNIVERSE_ITEMS, { message: `must contain at most ${MAX_UNIVERSE_ITEMS} items` }),
    updatedAt: dateString().nullable().optional(),
    allowEmpty: z.boolean().optional().meta({ description: 'an empty list is rejected unless this is true' }),
  })
  .meta({ id: 'LiquidUniverseUpdate' });
export type LiquidUniverseUpdate = z.input<typeof LiquidUniverseUpdateSchema>;

export const LiquidUniverseUpdateResponseSchema = z.object({
  success: z.literal(true),
  upserted: z.number().int(),
  removed: z.number().int(),
  totalSymbols: z.number().int(),
});
