import { z } from 'zod';
import { backendTargetEnv, busEnv, env, loadEnv, processEnv, shadowEnv } from '@volspike/runtime';

export const FUNDING_STREAMS = ['!markPrice@arr@1s', '!markPrice@arr'] as const;

/** funding configuration, parsed once at start. */
export const EnvSchema = z.object({
  FUNDING_API_PORT: env.port(8888),
  FUNDING_API_HOST: env.str('127.0.0.1'),
  BINANCE_WS_URL: env.url('wss://fstream.binance.com'),
  /** Only mark-price streams: a ticker's last price is never a mark price (legacy defect 18). */
  FUNDING_STREAM: env.enumOf(FUNDING_STREAMS, '!markPrice@arr@1s'),
  /** A record older than this is stale: served as 503, never as fresh data. */
  FUNDING_STALE_SEC: env.num(180, { min: 0.1, max: 86_400 }),
  /** A symbol without an update for this long is a gap: logged and counted. */
  FUNDING_GAP_ALERT_SEC: env.num(10, { min: 0.1, max: 86_400 }),
  WS_SILENCE_TIMEOUT_MS: env.int(30_000, { min: 100, max: 600_000 }),
  WS_ROTATE_AFTER_MS: env.int(23 * 3600 * 1000, { min: 1000, max: 24 * 3600 * 1000 }),
  WS_RECONNECT_BASE_MS: env.int(500, { min: 10, max: 60_000 }),
  WS_RECONNECT_MAX_MS: env.int(30_000, { min: 10, max: 600_000 }),
  /** Changed records are published on the bus at most this often. */
  FUNDING_PUBLISH_INTERVAL_MS: env.int(1000, { min: 50, max: 60_000 }),
  /** The full map under KEYS.markPrices is rewritten this often. */
  FUNDING_SNAPSHOT_INTERVAL_MS: env.int(5000, { min: 100, max: 300_000 }),
  FUNDING_HEARTBEAT_SEC: env.num(15, { min: 0.05, max: 300 }),
  /**
   * Path of the legacy daemon's `.funding_state.json` (docs/legacy-contracts.md §4.5) for the legacy OI poller and health
   * monitor while they still run; unset → not written. Rewritten atomically at most once a second, mode 0644.
   */
  FUNDING_LEGACY_STATE_FILE: env.str(),
  ...backendTargetEnv,
  /** Heartbeats to the backend; off for a funding API run without a backend. */
  FUNDING_HEARTBEAT_ENABLED: env.bool(true),
  /** SHADOW=true: heartbeats are recorded in SHADOW_DIR instead of sent, and the legacy state file is not written. */
  ...shadowEnv,
  ...busEnv,
  ...processEnv,
});

export type Env = z.infer<typeof EnvSchema>;

export function loadAppEnv(source: Record<string, string | undefined> = process.env): Env {
  return loadEnv(EnvSchema, source);
}
