import { z } from 'zod';
import { backendTargetEnv, busEnv, env, loadEnv, processEnv, shadowEnv } from '@volspike/runtime';

/** user-alerts configuration, parsed once at start. */
export const EnvSchema = z.object({
  /** VOLSPIKE_API_KEY is sent as the X-API-Key header, never in a query string or body. */
  ...backendTargetEnv,
  /** Only for the OI fallback of symbols the realtime poller does not cover. */
  BINANCE_REST_URL: env.url('https://fapi.binance.com'),
  /** pro and elite alerts are evaluated this often. */
  USER_ALERTS_FAST_INTERVAL_MS: env.int(30_000, { min: 10, max: 3_600_000 }),
  /** free alerts are evaluated this often. */
  USER_ALERTS_FREE_INTERVAL_MS: env.int(300_000, { min: 10, max: 86_400_000 }),
  /** A mark price (and its funding rate) older than this is stale: the alert is skipped. */
  MARK_PRICE_MAX_AGE_MS: env.int(60_000, { min: 10, max: 3_600_000 }),
  /** A bus OI sample older than this is stale: the symbol falls back to one REST call. */
  USER_ALERTS_OI_MAX_AGE_MS: env.int(120_000, { min: 10, max: 3_600_000 }),
  USER_ALERTS_HEARTBEAT_MS: env.int(15_000, { min: 10, max: 300_000 }),
  USER_ALERTS_HTTP_TIMEOUT_MS: env.int(10_000, { min: 10, max: 120_000 }),
  USER_ALERTS_STATUS_PORT: env.port(3013),
  USER_ALERTS_STATUS_HOST: env.str('127.0.0.1'),
  ...busEnv,
  ...shadowEnv,
  ...processEnv,
});

export type Env = z.infer<typeof EnvSchema>;

export function loadAppEnv(source: Record<string, string | undefined> = process.env): Env {
  return loadEnv(EnvSchema, source);
}
