import { z } from 'zod';
import { backendTargetEnv, busEnv, env, loadEnv, processEnv, shadowEnv } from '@volspike/runtime';
import { parseOiTimeframes } from '@volspike/oi-core';
import { parseShard } from './shard.js';

/** oi-poller configuration, parsed once at start (main.ts or apps/stack) and passed down. */
export const EnvSchema = z
  .object({
    // A local backend is a valid target (legacy defect 10 refused http://localhost:3001).
    ...backendTargetEnv,
    BINANCE_REST_URL: env.url('https://fapi.binance.com'),
    /** kline_1m streams: the traded volume the activity scheduler ranks symbols by. */
    BINANCE_WS_URL: env.url('wss://fstream.binance.com'),
    /** `activity`: poll where contracts traded since the last poll (ADR 0006); `fixed`: the interval plan. */
    OI_SCHEDULER: env.enumOf(['activity', 'fixed'] as const, 'activity'),
    /** activity: every symbol is polled at least this often (checked against N and the OI share). */
    OI_MAX_STALENESS_MS: env.int(30_000, { min: 1000 }),
    /** activity: traded contracts, in % of OI, worth as much priority as a whole staleness period. */
    OI_ACTIVITY_UNIT_PCT: env.num(0.05, { min: 0.000001, max: 100 }),
    /** activity: a symbol is not polled again sooner than this after its last poll. */
    OI_ACTIVITY_MIN_GAP_MS: env.int(1000, { min: 0 }),
    OI_POLL_MIN_INTERVAL_MS: env.int(5000, { min: 100 }),
    OI_POLL_MAX_INTERVAL_MS: env.int(12000, { min: 100 }),
    /** Upper bound on the weight/min the poller plans on; unset → what the budget leaves (`availableFor('oi-poller')`). */
    OI_WEIGHT_BUDGET_PER_MIN: env.int(undefined, { min: 1 }).optional(),
    OI_HISTORY_MINUTES: env.int(180, { min: 1, max: 24 * 60 }),
    OI_PUBLISH_INTERVAL_MS: env.int(2000, { min: 50, max: 60_000 }),
    /** Blank → oi-core defaults (5m:3%:600s,15m:5%:900s,1h:10%:3600s,w60-30:5%:3600s). */
    OI_ALERT_TIMEFRAMES: env.str(''),
    OI_ALERT_EXCLUDED_SYMBOLS: env.list(['USDCUSDT']),
    /** At most one UP and one DOWN alert per symbol per this many minutes, across timeframes; 0 = per timeframe. */
    OI_ALERT_SYMBOL_COOLDOWN_MIN: env.num(15, { min: 0, max: 24 * 60 }),
    /** `i/n` (0 ≤ i < n): poll only the symbols whose stable hash mod n is i. Blank → everything. */
    OI_SHARD: env.str(''),
    /** A mark price older than this is not used for openInterestUsd (null instead). */
    OI_MARK_MAX_AGE_MS: env.int(60_000, { min: 1000 }),
    /** Warm start: fill baseline history from the backend's samples and openInterestHist. */
    OI_WARM_START: env.bool(true),
    /** Spacing between openInterestHist requests (own limit 1000 / 5 min per IP; 400 ms = 750 / 5 min). */
    OI_HIST_MIN_SPACING_MS: env.int(400, { min: 0 }),
    /** Fallback universe refresh from the backend when the bus has not delivered one recently. */
    OI_UNIVERSE_REFRESH_MS: env.int(60_000, { min: 100 }),
    /** Longest per-symbol error backoff. */
    OI_SYMBOL_BACKOFF_MAX_MS: env.int(300_000, { min: 100 }),
    /** Most OI requests in flight at once (they queue in the weight budget beyond that). */
    OI_MAX_IN_FLIGHT: env.int(32, { min: 1, max: 1000 }),
    OI_OUTBOX_MAX_ITEMS: env.int(10_000, { min: 10 }),
    OI_OUTBOX_MAX_DELAY_MS: env.int(5000, { min: 10 }),
    OI_HEARTBEAT_INTERVAL_MS: env.int(15_000, { min: 50 }),
    OI_BUDGET_PUBLISH_INTERVAL_MS: env.int(5000, { min: 50 }),
    OI_POLLER_STATUS_PORT: env.port(3011),
    OI_POLLER_STATUS_HOST: env.str('127.0.0.1'),
    BINANCE_WEIGHT_LIMIT_PER_MIN: env.int(2400, { min: 1 }),
    BINANCE_WEIGHT_SAFETY_MARGIN: env.num(0.1, { min: 0, max: 0.9 }),
    ...busEnv,
    ...shadowEnv,
    ...processEnv,
  })
  .superRefine((e, ctx) => {
    if (e.OI_POLL_MIN_INTERVAL_MS > e.OI_POLL_MAX_INTERVAL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['OI_POLL_MIN_INTERVAL_MS'],
        message: `must not exceed OI_POLL_MAX_INTERVAL_MS (${e.OI_POLL_MAX_INTERVAL_MS})`,
      });
    }
    if (e.OI_ACTIVITY_MIN_GAP_MS >= e.OI_MAX_STALENESS_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['OI_ACTIVITY_MIN_GAP_MS'],
        message: `must be below OI_MAX_STALENESS_MS (${e.OI_MAX_STALENESS_MS})`,
      });
    }
    try {
      parseOiTimeframes(e.OI_ALERT_TIMEFRAMES);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['OI_ALERT_TIMEFRAMES'], message: (err as Error).message });
    }
    try {
      parseShard(e.OI_SHARD);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['OI_SHARD'], message: (err as Error).message });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

/** Parses the oi-poller env from `source` (default `process.env`); throws EnvError with one line naming the variable. */
export function loadAppEnv(source: Record<string, string | undefined> = process.env): Env {
  return loadEnv(EnvSchema, source);
}
