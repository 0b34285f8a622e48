import { z } from 'zod';
import { backendTargetEnv, env, loadEnv, processEnv, shadowEnv } from '@volspike/runtime';

/** telegram-poller configuration, parsed once at start. */
export const EnvSchema = z
  .object({
    // MTProto user session (the legacy poller's mode; reads public channels by username, docs/legacy-contracts.md §4.7).
    /** my.telegram.org application id and hash; both set → MTProto mode. */
    TELEGRAM_API_ID: env.int(undefined, { min: 1 }).optional(),
    TELEGRAM_API_HASH: env.str(),
    /** Public channel usernames without @ (legacy default marketfeed). */
    TELEGRAM_CHANNELS: env.list(['marketfeed']),
    /** The session string `npm run telegram -- login` created; wins over TELEGRAM_SESSION_FILE. */
    TELEGRAM_SESSION: env.str(),
    /** Session file written by the login command (mode 0600); default `<DATA_DIR>/telegram-poller/session`. */
    TELEGRAM_SESSION_FILE: env.str(),
    /** Legacy cadence: every channel is read every 30 s. */
    TELEGRAM_POLL_INTERVAL_MS: env.int(30_000, { min: 1000, max: 3_600_000 }),
    /** Messages per history request (Telegram returns at most 100); more new messages are read in pages. */
    TELEGRAM_FETCH_LIMIT: env.int(100, { min: 1, max: 100 }),
    /** Timeout of one ingest POST (legacy: 30 s). */
    TELEGRAM_INGEST_TIMEOUT_MS: env.int(30_000, { min: 100, max: 300_000 }),

    // Bot API mode: only channels the bot administers.
    /** Bot API token; set → Bot API mode. */
    TELEGRAM_BOT_TOKEN: env.str(),
    /** Channel usernames (with or without @) or numeric chat ids; the bot must be a member (admin) of each. */
    TELEGRAM_CHANNEL_IDS: env.list([]),
    TELEGRAM_API_URL: env.url('https://api.telegram.org'),
    /** getUpdates long-poll timeout (Telegram allows up to 50). 0 = short polling. */
    TELEGRAM_POLL_TIMEOUT_SEC: env.int(25, { min: 0, max: 50 }),

    // Both modes.
    /** `username:category` pairs; defaults marketfeed→macro, watcherguru→crypto, anything else general. */
    TELEGRAM_CHANNEL_CATEGORIES: env.list([]),
    /** Messages per ingest POST (the backend accepts at most 50). */
    TELEGRAM_BATCH_SIZE: env.int(50, { min: 1, max: 50 }),
    TELEGRAM_BACKOFF_MAX_MS: env.int(60_000, { min: 10, max: 600_000 }),
    TELEGRAM_HEARTBEAT_MS: env.int(15_000, { min: 10, max: 300_000 }),
    ...backendTargetEnv,
    /** SHADOW=true: read Telegram as usual but record the would-be ingests in SHADOW_DIR instead of posting them. */
    ...shadowEnv,
    TELEGRAM_POLLER_STATUS_PORT: env.port(3014),
    TELEGRAM_POLLER_STATUS_HOST: env.str('127.0.0.1'),
    ...processEnv,
  })
  .superRefine((e, ctx) => {
    if ((e.TELEGRAM_API_ID === undefined) !== (e.TELEGRAM_API_HASH === undefined)) {
      const [missing, other] =
        e.TELEGRAM_API_ID === undefined
          ? ['TELEGRAM_API_ID', 'TELEGRAM_API_HASH']
          : ['TELEGRAM_API_HASH', 'TELEGRAM_API_ID'];
      ctx.addIssue({ code: 'custom', path: [missing], message: `is required when ${other} is set (my.telegram.org)` });
    }
    if (e.TELEGRAM_API_ID !== undefined && e.TELEGRAM_BOT_TOKEN !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['TELEGRAM_BOT_TOKEN'],
        message:
          'is set together with TELEGRAM_API_ID/TELEGRAM_API_HASH: choose one mode (a user session reads public channels, the Bot API only channels the bot administers)',
      });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

export type TelegramMode = 'mtproto' | 'bot' | 'disabled';

/** The mode follows the credentials: API id + hash → MTProto user session; a bot token → Bot API; none → disabled. */
export function telegramMode(e: Pick<Env, 'TELEGRAM_API_ID' | 'TELEGRAM_BOT_TOKEN'>): TelegramMode {
  if (e.TELEGRAM_API_ID !== undefined) return 'mtproto';
  if (e.TELEGRAM_BOT_TOKEN !== undefined) return 'bot';
  return 'disabled';
}

export function loadAppEnv(source: Record<string, string | undefined> = process.env): Env {
  return loadEnv(EnvSchema, source);
}
