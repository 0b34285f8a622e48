import { z } from 'zod';
import { backendTargetEnv, env, loadEnv, processEnv } from '@volspike/runtime';

/** telegram-poller configuration, parsed once at start. */
export const EnvSchema = z.object({
  /** Bot API token; unset → the poller is disabled (logged once, health says so). */
  TELEGRAM_BOT_TOKEN: env.str(),
  /** Channel usernames (with or without @) or numeric chat ids; the bot must be a member (admin) of each. */
  TELEGRAM_CHANNEL_IDS: env.list([]),
  TELEGRAM_API_URL: env.url('https://api.telegram.org'),
  /** getUpdates long-poll timeout (Telegram allows up to 50). 0 = short polling. */
  TELEGRAM_POLL_TIMEOUT_SEC: env.int(25, { min: 0, max: 50 }),
  /** `username:category` pairs; defaults marketfeed→macro, watcherguru→crypto, anything else general. */
  TELEGRAM_CHANNEL_CATEGORIES: env.list([]),
  /** Messages per ingest POST (the backend accepts at most 50). */
  TELEGRAM_BATCH_SIZE: env.int(50, { min: 1, max: 50 }),
  TELEGRAM_BACKOFF_MAX_MS: env.int(60_000, { min: 10, max: 600_000 }),
  TELEGRAM_HEARTBEAT_MS: env.int(15_000, { min: 10, max: 300_000 }),
  ...backendTargetEnv,
  TELEGRAM_POLLER_STATUS_PORT: env.port(3014),
  TELEGRAM_POLLER_STATUS_HOST: env.str('127.0.0.1'),
  ...processEnv,
});

export type Env = z.infer<typeof EnvSchema>;

export function loadAppEnv(source: Record<string, string | undefined> = process.env): Env {
  return loadEnv(EnvSchema, source);
}
