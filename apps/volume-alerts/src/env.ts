import { z } from 'zod';
import { busEnv, env, loadEnv, processEnv, shadowEnv } from '@volspike/runtime';

/**
 * volume-alerts configuration, parsed once at start (legacy variable names, docs/legacy-contracts.md §4.1).
 * PROD delivery needs VOLSPIKE_API_URL and VOLSPIKE_API_KEY; DEV only when BOTH DEV variables are set;
 * Telegram only when TELEGRAM_TOKEN and CHAT_ID are set.
 */
export const EnvSchema = z.object({
  VOLSPIKE_API_URL: env.url(),
  VOLSPIKE_API_KEY: env.str(),
  VOLSPIKE_API_URL_DEV: env.url(),
  VOLSPIKE_API_KEY_DEV: env.str(),
  TELEGRAM_TOKEN: env.str(),
  CHAT_ID: env.str(),
  TELEGRAM_API_URL: env.url('https://api.telegram.org'),
  /** Legacy compared this case-insensitively with "true"; we read true/1/false/0 and reject anything else. */
  WS_FUNDING_ENABLED: env.bool(true),
  FUNDING_API_URL: env.url('http://localhost:8888/funding'),
  BINANCE_REST_URL: env.url('https://fapi.binance.com'),
  BINANCE_WS_URL: env.url('wss://fstream.binance.com'),
  /** Hourly candles from `<symbol>@kline_1h` streams (REST klines stay the fallback). */
  VOLUME_USE_KLINE_WS: env.bool(true),
  /** At hh:00, how long to wait for the streams' closing candles before asking REST for the missing ones. */
  VOLUME_CLOSE_GRACE_MS: env.int(3000, { min: 0, max: 60_000 }),
  /** Parallel REST klines requests when the stream cannot answer (all paced by the weight budget). */
  VOLUME_REST_CONCURRENCY: env.int(8, { min: 1, max: 64 }),
  OI_SNAPSHOT_ENABLED: env.bool(true),
  OI_SNAPSHOT_REUSE_REALTIME: env.bool(true),
  /** A realtime poller sample younger than this is reused by the 5-minute snapshot instead of a REST call. */
  OI_SNAPSHOT_REUSE_MAX_AGE_MS: env.int(15_000, { min: 0 }),
  /** A mark price from the funding daemon older than this counts as unknown (null), like the funding API's 180 s. */
  OI_SNAPSHOT_MARK_MAX_AGE_MS: env.int(180_000, { min: 0 }),
  /** State file (lastAlert / initialMinute / last cycle); default `<DATA_DIR>/volume-alerts/state.json`. */
  VOLUME_STATE_FILE: env.str(),
  VOLUME_HEARTBEAT_SEC: env.num(15, { min: 0.05, max: 300 }),
  VOLUME_ALERTS_STATUS_PORT: env.port(3012),
  ...busEnv,
  ...shadowEnv,
  ...processEnv,
});

export type Env = z.infer<typeof EnvSchema>;

export function loadAppEnv(source: Record<string, string | undefined> = process.env): Env {
  return loadEnv(EnvSchema, source);
}

export interface BackendTarget {
  name: 'prod' | 'dev';
  url: string;
  apiKey: string;
}

/** PROD when URL and key are set; DEV only when both DEV variables are set (legacy rule). */
export function backendTargets(e: Env): BackendTarget[] {
  const out: BackendTarget[] = [];
  if (e.VOLSPIKE_API_URL && e.VOLSPIKE_API_KEY)
    out.push({ name: 'prod', url: e.VOLSPIKE_API_URL, apiKey: e.VOLSPIKE_API_KEY });
  if (e.VOLSPIKE_API_URL_DEV && e.VOLSPIKE_API_KEY_DEV)
    out.push({ name: 'dev', url: e.VOLSPIKE_API_URL_DEV, apiKey: e.VOLSPIKE_API_KEY_DEV });
  return out;
}
