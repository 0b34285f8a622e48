import { z } from 'zod';
import { env, loadEnv } from '@volspike/runtime';

/** Environment of the backend (parsed once by `loadAppEnv`, then passed down). */
export const EnvSchema = z
  .object({
    PORT: env.port(3001),
    HOST: env.str('0.0.0.0'),
    NODE_ENV: env.enumOf(['development', 'production', 'test'] as const, 'development'),
    LOG_LEVEL: env.str('info'),
    /** Unset → embedded Postgres under DATA_DIR (main.ts only; `start()` needs a URL or a Prisma client). */
    DATABASE_URL: env.url(),
    REDIS_URL: env.url(),
    DATA_DIR: env.str('.data'),
    /** Shared secret of the daemons (`X-API-Key`). Unset → ingest routes answer 500 "Server configuration error". */
    ALERT_INGEST_API_KEY: env.str(),
    /** HS256 secret of Bearer/handshake tokens. Unset → main.ts uses (or creates) DATA_DIR/jwt-secret. */
    JWT_SECRET: env.str(),
    FRONTEND_URL: env.str('http://localhost:3000'),
    CORS_EXTRA_ORIGINS: env.list([]),
    SOCKET_LEGACY_TOKEN_AUTH: env.bool(true),
    DEBUG_ACCESS: env.enumOf(['public', 'admin'] as const, 'admin'),
    OI_UPDATE_TICK_MS: env.int(1000, { min: 50, max: 60_000 }),
    /** Longest time an ingested OI value waits before open_interest_latest is written (coalesced per symbol). */
    OI_LATEST_FLUSH_MS: env.int(1000, { min: 10, max: 60_000 }),
    OI_LIQUID_ENTER_QUOTE_24H: env.num(4_000_000, { min: 0 }),
    OI_LIQUID_EXIT_QUOTE_24H: env.num(2_000_000, { min: 0 }),
    /** Request budget used for the universe's `estimatedPollIntervalSec` (legacy formula). */
    OI_MAX_REQ_PER_MIN: env.int(2000, { min: 1 }),
    OI_MIN_INTERVAL_SEC: env.int(5, { min: 1 }),
    OI_MAX_INTERVAL_SEC: env.int(20, { min: 1 }),
    OI_SAMPLE_RETENTION_HOURS: env.num(3, { min: 0.1 }),
    OI_DOWNSAMPLE_RETENTION_DAYS: env.num(30, { min: 0.1 }),
    /** Unset (default) → `snapshot`/`snapshot_legacy` rows are kept forever (the legacy history has no retention). */
    OI_SNAPSHOT_RETENTION_DAYS: env.optionalNum({ min: 0.1 }),
    /** true → retention also applies to rows older than the adoption of a legacy database (default: never touched). */
    OI_RETENTION_INCLUDE_PRE_ADOPTION: env.bool(false),
    IDEMPOTENCY_RETENTION_HOURS: env.num(24, { min: 0.1 }),
    RETENTION_INTERVAL_MS: env.int(300_000, { min: 1000 }),
    /** Sent and given-up `email_outbox` rows are deleted after this many days. */
    EMAIL_OUTBOX_RETENTION_DAYS: env.num(14, { min: 0.1 }),
    /**
     * Alert emails (EMAIL/BOTH alerts): `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`.
     * Unset → emails are queued in email_outbox but not sent (one warning at start; sent after a restart with it set).
     */
    SMTP_URL: env.url(),
    EMAIL_FROM: env.str('VolSpike Alerts <alerts@localhost>'),
    /** How often the email sender looks for due rows; a trigger also wakes it at once. */
    EMAIL_POLL_INTERVAL_MS: env.int(5000, { min: 100, max: 600_000 }),
    /** Attempts per email before it is given up (backoff 10 s doubling to 10 min between them). */
    EMAIL_MAX_ATTEMPTS: env.int(10, { min: 1, max: 100 }),
    /** A daemon whose last heartbeat is older than this is stale. */
    HEALTH_HEARTBEAT_STALE_SEC: env.int(60, { min: 1 }),
    /** Newest realtime OI sample older than this → stale (checked while the oi-poller is enabled). */
    HEALTH_OI_STALE_SEC: env.int(120, { min: 1 }),
    /** Newest universe lastSeenAt older than this → stale (checked while the universe-job is enabled). */
    HEALTH_UNIVERSE_STALE_SEC: env.int(1800, { min: 1 }),
    /** Newest mark price on the bus older than this → stale (checked while the funding daemon is enabled). */
    HEALTH_MARK_PRICE_STALE_SEC: env.int(60, { min: 1 }),
    /** Components that must be sending heartbeats even before their first one (e.g. "oi-poller,universe-job"). */
    HEALTH_REQUIRED_COMPONENTS: env.list([]),
  })
  .superRefine((e, ctx) => {
    if (e.OI_LIQUID_EXIT_QUOTE_24H >= e.OI_LIQUID_ENTER_QUOTE_24H) {
      ctx.addIssue({
        code: 'custom',
        path: ['OI_LIQUID_EXIT_QUOTE_24H'],
        message: `must be below OI_LIQUID_ENTER_QUOTE_24H (${e.OI_LIQUID_ENTER_QUOTE_24H})`,
      });
    }
    if (e.SMTP_URL && !/^smtps?:$/.test(new URL(e.SMTP_URL).protocol)) {
      ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'must be an smtp:// or smtps:// URL' });
    }
    if (e.OI_MIN_INTERVAL_SEC > e.OI_MAX_INTERVAL_SEC) {
      ctx.addIssue({ code: 'custom', path: ['OI_MIN_INTERVAL_SEC'], message: 'must not exceed OI_MAX_INTERVAL_SEC' });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

/** Parses the backend env from `source` (default `process.env`); throws EnvError with one line naming the variable. */
export function loadAppEnv(source: Record<string, string | undefined> = process.env): Env {
  return loadEnv(EnvSchema, source);
}
