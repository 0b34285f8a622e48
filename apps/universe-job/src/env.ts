import { z } from 'zod';
import { backendTargetEnv, busEnv, env, loadEnv, processEnv, shadowEnv } from '@volspike/runtime';

/** universe-job configuration, parsed once at start. */
export const EnvSchema = z
  .object({
    // No refusal to run against a local backend (legacy defect 10): localhost is a valid target.
    ...backendTargetEnv,
    BINANCE_PROXY_URL: env.url('http://127.0.0.1:3002'),
    BINANCE_REST_URL: env.url('https://fapi.binance.com'),
    BINANCE_WS_URL: env.url('wss://fstream.binance.com'),
    OI_LIQUID_ENTER_QUOTE_24H: env.num(4_000_000, { min: 0 }),
    OI_LIQUID_EXIT_QUOTE_24H: env.num(2_000_000, { min: 0 }),
    OI_LIQUID_MAX_SYMBOLS: env.int(undefined, { min: 1 }).optional(),
    OI_UNIVERSE_REFRESH_SEC: env.num(60, { min: 0.05, max: 300 }),
    UNIVERSE_USE_TICKER_WS: env.bool(true),
    /** How long the !ticker@arr stream must have been connected before its volumes are trusted. */
    UNIVERSE_WS_WARMUP_SEC: env.num(60, { min: 0, max: 3600 }),
    UNIVERSE_HEARTBEAT_SEC: env.num(15, { min: 0.05, max: 300 }),
    INCLUDE_TRADIFI: env.bool(false),
    /** Weight per minute the OI poller may use, for the estimated poll interval that is logged and reported. */
    OI_WEIGHT_BUDGET_PER_MIN: env.int(2000, { min: 1 }),
    UNIVERSE_JOB_STATUS_PORT: env.port(9103),
    ...busEnv,
    ...shadowEnv,
    ...processEnv,
  })
  .superRefine((e, ctx) => {
    if (!(e.OI_LIQUID_EXIT_QUOTE_24H < e.OI_LIQUID_ENTER_QUOTE_24H)) {
      ctx.addIssue({
        code: 'custom',
        path: ['OI_LIQUID_EXIT_QUOTE_24H'],
        message: `must be below OI_LIQUID_ENTER_QUOTE_24H (${e.OI_LIQUID_ENTER_QUOTE_24H})`,
      });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

export function loadAppEnv(source: Record<string, string | undefined> = process.env): Env {
  return loadEnv(EnvSchema, source);
}
