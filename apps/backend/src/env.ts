import { z } from 'zod';
import { env, loadEnv } from '@volspike/runtime';
import { DAEMON_NAMES } from '@volspike/contracts';

/** Environment of the backend (parsed once by `loadAppEnv`, then passed down). */
export const EnvSchema = z
  .object({
    PORT: env.port(3001),
    HOST: env.str('0.0.0.0'),
    NODE_ENV: env.enumOf(['development', 'production', 'test'] as const, 'development'),
    LOG_LEVEL: env.str('info'),
    /** Human-readable logs (development); JSON lines otherwise. */
    LOG_PRETTY: env.bool(false),
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
    /**
     * Daemon-specific ingest keys, `name=key,name=key` (names from DAEMON_NAMES in @volspike/contracts). A key
     * opens only the routes whose `callers` name its daemon; ALERT_INGEST_API_KEY keeps opening every ingest route.
     */
    INGEST_KEYS: env.list([]),
    /** A bare user id as Bearer token / Socket.IO token names that (existing, active) user, as the legacy backend did. */
    LEGACY_ID_TOKENS: env.bool(true),
    /** An email address as Socket.IO token names that user. No proof of identity: development only. */
    LEGACY_EMAIL_TOKENS: env.bool(false),
    /** Replaced by LEGACY_ID_TOKENS and LEGACY_EMAIL_TOKENS; `true` is refused with a line saying so. */
    SOCKET_LEGACY_TOKEN_AUTH: env.bool(false),
    DEBUG_ACCESS: env.enumOf(['public', 'admin'] as const, 'admin'),
    /** Reverse proxies in front of the backend whose X-Forwarded-For is trusted (0: the peer address is the client). */
    TRUST_PROXY_HOPS: env.int(0, { min: 0, max: 10 }),
    /**
     * Requests per minute per client address on the public REST routes (ingest routes are not limited); 0 = off.
     * Unset: 600 in production, off elsewhere (tests, the demo and the bench poll from one address).
     */
    RATE_LIMIT_REST_PER_MIN: env.optionalNum({ min: 0 }),
    /** Socket.IO handshakes per minute per client address; 0 = off. Unset: 60 in production, off elsewhere. */
    RATE_LIMIT_HANDSHAKES_PER_MIN: env.optionalNum({ min: 0 }),
    /** Symbol rooms one socket may join (`subscribe-symbol`). */
    SOCKET_MAX_SYMBOLS: env.int(200, { min: 1 }),
    /** Guest sockets per client address on one backend process; 0 = no cap. Unset: 20 in production, no cap elsewhere. */
    SOCKET_MAX_GUESTS_PER_IP: env.optionalNum({ min: 0 }),
    /** Cross alerts (active or not) one user may keep; the per-tier limit on active alerts applies too. */
    USER_ALERTS_MAX_PER_USER: env.int(200, { min: 1 }),
    /** `/metrics` from anywhere with `Authorization: Bearer <token>`. In production, without it, loopback only. */
    METRICS_TOKEN: env.str(),
    /** `open-interest-update(s)`: at most one update per symbol per tick (a symbol sent less than a tick ago waits). */
    OI_UPDATE_TICK_MS: env.int(1000, { min: 50, max: 60_000 }),
    /** `open-interest-updates` (batch feed): one hand-over per gap on average; what is ready goes out together. */
    OI_UPDATE_FLUSH_GAP_MS: env.int(50, { min: 0, max: 10_000 }),
    /** `open-interest-updates`: hand-overs allowed back to back before the gap applies (the rate bound is unchanged). */
    OI_UPDATE_FLUSH_BURST: env.int(4, { min: 1, max: 100 }),
    /**
     * `open-interest-update(s)`: only live samples are broadcast — newer than the symbol's last one and at most
     * this old (a backfill or a replayed outbox is stored, not shown to clients as the current value).
     */
    OI_UPDATE_MAX_AGE_MS: env.int(60_000, { min: 1000, max: 86_400_000 }),
    /**
     * OI ingest statements the backend runs at once (the rest wait, fewer rows first; services/ingest-gate.ts):
     * a live publish is not queued behind a bulk load's batches inside Postgres.
     */
    OI_INGEST_CONCURRENCY: env.int(3, { min: 1, max: 64 }),
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
    /** `smtp://` without STARTTLS is refused unless this is true (a local relay); smtps:// is always TLS. */
    SMTP_ALLOW_INSECURE: env.bool(false),
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
    for (const issue of securityIssues(e)) ctx.addIssue({ code: 'custom', ...issue });
    for (const name of PRODUCTION_DEFAULT_NAMES) {
      const v = e[name];
      if (v !== undefined && !Number.isInteger(v))
        ctx.addIssue({ code: 'custom', path: [name], message: 'must be an integer' });
    }
  })
  .transform((e) => {
    const prod = e.NODE_ENV === 'production';
    const pick = (name: (typeof PRODUCTION_DEFAULT_NAMES)[number]) => e[name] ?? (prod ? PRODUCTION_DEFAULTS[name] : 0);
    return {
      ...e,
      RATE_LIMIT_REST_PER_MIN: pick('RATE_LIMIT_REST_PER_MIN'),
      RATE_LIMIT_HANDSHAKES_PER_MIN: pick('RATE_LIMIT_HANDSHAKES_PER_MIN'),
      SOCKET_MAX_GUESTS_PER_IP: pick('SOCKET_MAX_GUESTS_PER_IP'),
    };
  });

/** Limits whose unset value depends on NODE_ENV: these in production, 0 (off) elsewhere. */
export const PRODUCTION_DEFAULTS = {
  RATE_LIMIT_REST_PER_MIN: 600,
  RATE_LIMIT_HANDSHAKES_PER_MIN: 60,
  SOCKET_MAX_GUESTS_PER_IP: 20,
} as const;
const PRODUCTION_DEFAULT_NAMES = Object.keys(PRODUCTION_DEFAULTS) as (keyof typeof PRODUCTION_DEFAULTS)[];

/** Minimum length of JWT_SECRET in production (HS256 wants at least 256 bits). */
export const MIN_JWT_SECRET_BYTES = 32;

/** `name=key` pairs of INGEST_KEYS (validated by the schema). */
export function parseIngestKeys(list: string[]): { name: string; key: string }[] {
  return list.map((item) => {
    const eq = item.indexOf('=');
    return eq < 0 ? { name: '', key: '' } : { name: item.slice(0, eq).trim(), key: item.slice(eq + 1).trim() };
  });
}

function securityIssues(e: {
  NODE_ENV: string;
  DEBUG_ACCESS: string;
  JWT_SECRET?: string | undefined;
  LEGACY_EMAIL_TOKENS: boolean;
  SOCKET_LEGACY_TOKEN_AUTH: boolean;
  INGEST_KEYS: string[];
}): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  if (e.SOCKET_LEGACY_TOKEN_AUTH)
    out.push({
      path: ['SOCKET_LEGACY_TOKEN_AUTH'],
      message: 'was replaced: use LEGACY_ID_TOKENS (bare user ids) and LEGACY_EMAIL_TOKENS (emails, development only)',
    });
  const names: readonly string[] = DAEMON_NAMES;
  const pairs = parseIngestKeys(e.INGEST_KEYS);
  if (pairs.some((p) => !names.includes(p.name) || !/^\S{16,}$/.test(p.key)))
    out.push({
      path: ['INGEST_KEYS'],
      message: `must be name=key pairs (names: ${DAEMON_NAMES.join(', ')}), each key at least 16 characters`,
    });
  if (e.NODE_ENV !== 'production') return out;
  const prod = 'in production (NODE_ENV=production)';
  if (e.DEBUG_ACCESS === 'public') out.push({ path: ['DEBUG_ACCESS'], message: `must be admin ${prod}` });
  if (e.JWT_SECRET !== undefined && Buffer.byteLength(e.JWT_SECRET) < MIN_JWT_SECRET_BYTES)
    out.push({ path: ['JWT_SECRET'], message: `must be at least ${MIN_JWT_SECRET_BYTES} bytes ${prod}` });
  if (e.LEGACY_EMAIL_TOKENS)
    out.push({ path: ['LEGACY_EMAIL_TOKENS'], message: `must be false ${prod}: an email is not a proof of identity` });
  return out;
}

export type Env = z.infer<typeof EnvSchema>;

/** Parses the backend env from `source` (default `process.env`); throws EnvError with one line naming the variable. */
export function loadAppEnv(source: Record<string, string | undefined> = process.env): Env {
  return loadEnv(EnvSchema, source);
}
