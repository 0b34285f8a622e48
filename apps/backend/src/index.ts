import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { createPrismaClient, type PrismaClient } from '@volspike/db';
import type { Bus, Lifecycle, Logger } from '@volspike/runtime';
import { readOrCreateSecret } from '@volspike/runtime';
import { createApp } from './app.js';
import { createAuth, type Auth } from './auth/index.js';
import type { RealtimeSink } from './context.js';
import { appConfig } from './config.js';
import { createDebugRouter } from './debug/router.js';
import { MIN_JWT_SECRET_BYTES, type Env } from './env.js';
import { rateLimitersFromEnv, type RateLimiter } from './http/rate-limit.js';
import { installSocketLimits } from './realtime/limits.js';
import { createBackendMetrics, type BackendMetrics } from './metrics.js';
import { createRealtime, type Realtime } from './realtime/index.js';
import { emailSenderFromEnv } from './services/email-sender.js';
import { computeHealth } from './services/health.js';
import { LatestOiWriter } from './services/oi-latest.js';
import { RetentionJob } from './services/retention.js';

export { EnvSchema, loadAppEnv, type Env } from './env.js';
export { createApp, type CreateAppOptions } from './app.js';
export type { AppConfig, AppContext, RealtimeSink } from './context.js';
export { createBackendMetrics, type BackendMetrics } from './metrics.js';
export { RetentionJob } from './services/retention.js';
export { EmailSender } from './services/email-sender.js';
export { corsOrigins } from './http/cors.js';
export { TOKEN_ISSUER, TOKEN_AUDIENCE } from './auth/index.js';

export { VERSION, appConfig } from './config.js';

export interface AppDeps {
  logger: Logger;
  bus: Bus;
  metrics: Registry;
  dataDir?: string;
  lifecycle?: Lifecycle;
  /** An existing client (tests); otherwise one is created from DATABASE_URL and disconnected on stop. */
  prisma?: PrismaClient;
  /** Prefix of this backend's Redis keys and channels (rate limits, Socket.IO adapter); tests isolate with their own. */
  redisKeyPrefix?: string;
  /** Other shared deps the stack passes (budget, …) are accepted and unused. */
  [other: string]: unknown;
}

export interface BackendHandle {
  port: number;
  server: http.Server;
  realtime: Realtime;
  stop(): Promise<void>;
  health(): Promise<{ ok: boolean; body: Record<string, unknown> }>;
}

/** Forwards to the real Realtime once it exists (the app must be the server's first request listener). */
class DeferredRealtime implements RealtimeSink {
  target: Realtime | null = null;
  emitVolumeAlert: RealtimeSink['emitVolumeAlert'] = (row) => this.target?.emitVolumeAlert(row);
  emitOiAlert: RealtimeSink['emitOiAlert'] = (row) => this.target?.emitOiAlert(row);
  queueOiUpdates: RealtimeSink['queueOiUpdates'] = (s) => this.target?.queueOiUpdates(s);
  emitUserAlertTriggered: RealtimeSink['emitUserAlertTriggered'] = (id, p) =>
    this.target?.emitUserAlertTriggered(id, p);
  stats = () => ({ clients: this.target?.stats().clients ?? 0 });
}

/** The start-up warnings of the switches that weaken authentication (one line each). */
function warnInsecureSwitches(env: Env, logger: Logger): void {
  if (env.LEGACY_ID_TOKENS)
    logger.warn(
      'LEGACY_ID_TOKENS is on: a bare user id is accepted as Bearer token and Socket.IO token (legacy frontend; ' +
        'counted in volspike_backend_legacy_id_token_requests_total). Move the frontend to signed tokens and set LEGACY_ID_TOKENS=false.',
    );
  if (env.LEGACY_EMAIL_TOKENS)
    logger.warn('LEGACY_EMAIL_TOKENS is on: an email address is accepted as Socket.IO token (development only)');
  if (env.DEBUG_ACCESS === 'public') logger.warn('DEBUG_ACCESS=public: the debug pages are open to everyone');
}

/** JWT_SECRET, or the generated `DATA_DIR/jwt-secret` (0600); in production at least 32 bytes either way. */
function jwtSecretOf(env: Env, deps: AppDeps): string {
  const secret = env.JWT_SECRET ?? readOrCreateSecret(join(deps.dataDir ?? env.DATA_DIR, 'jwt-secret')).value;
  if (env.NODE_ENV === 'production' && Buffer.byteLength(secret) < MIN_JWT_SECRET_BYTES)
    throw new Error(`JWT secret file is shorter than ${MIN_JWT_SECRET_BYTES} bytes: not allowed in production`);
  return secret;
}

/** Metrics, auth and the routes' config, with the start-up warnings of weak settings. */
function createCore(env: Env, deps: AppDeps, prisma: PrismaClient, sink: DeferredRealtime, jwtSecret: string) {
  const logger = deps.logger;
  const metrics = createBackendMetrics(deps.metrics, () => sink.stats().clients);
  const auth = createAuth({
    prisma,
    jwtSecret,
    legacyIdTokens: env.LEGACY_ID_TOKENS,
    legacyEmailTokens: env.LEGACY_EMAIL_TOKENS,
    logger,
    onLegacyIdToken: (transport) => metrics.legacyIdTokens.inc({ transport }),
  });
  warnInsecureSwitches(env, logger);
  const config = appConfig(env);
  if (!config.ingestKeys.configured)
    logger.warn('ALERT_INGEST_API_KEY is not set: every ingest route answers 500 "Server configuration error"');
  return { metrics, auth, config };
}

/** Socket.IO on `server` (Redis adapter when REDIS_URL is set) with its limits. */
async function attachRealtime(
  env: Env,
  deps: AppDeps,
  parts: { server: http.Server; prisma: PrismaClient; auth: Auth; corsOrigins: string[]; handshakes: RateLimiter },
): Promise<Realtime> {
  const realtime = await createRealtime({
    httpServer: parts.server,
    prisma: parts.prisma,
    auth: parts.auth,
    logger: deps.logger,
    corsOrigins: parts.corsOrigins,
    redisUrl: env.REDIS_URL,
    ...(deps.redisKeyPrefix ? { redisKeyPrefix: `${deps.redisKeyPrefix}socket.io` } : {}),
    oiUpdateTickMs: env.OI_UPDATE_TICK_MS,
    oiUpdateFlushGapMs: env.OI_UPDATE_FLUSH_GAP_MS,
    oiUpdateFlushBurst: env.OI_UPDATE_FLUSH_BURST,
    oiUpdateMaxAgeMs: env.OI_UPDATE_MAX_AGE_MS,
    debugAccess: env.DEBUG_ACCESS,
  });
  installSocketLimits(realtime.io, {
    handshakes: parts.handshakes,
    maxGuestsPerAddress: env.SOCKET_MAX_GUESTS_PER_IP,
    maxSymbolsPerSocket: env.SOCKET_MAX_SYMBOLS,
    trustProxyHops: env.TRUST_PROXY_HOPS,
    logger: deps.logger,
  });
  return realtime;
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function retentionJob(env: Env, deps: { prisma: PrismaClient; logger: Logger; metrics: BackendMetrics }) {
  return new RetentionJob({
    ...deps,
    config: {
      sampleRetentionHours: env.OI_SAMPLE_RETENTION_HOURS,
      downsampleRetentionDays: env.OI_DOWNSAMPLE_RETENTION_DAYS,
      snapshotRetentionDays: env.OI_SNAPSHOT_RETENTION_DAYS ?? null,
      includePreAdoption: env.OI_RETENTION_INCLUDE_PRE_ADOPTION,
      idempotencyRetentionHours: env.IDEMPOTENCY_RETENTION_HOURS,
      emailRetentionDays: env.EMAIL_OUTBOX_RETENTION_DAYS,
      intervalMs: env.RETENTION_INTERVAL_MS,
    },
  });
}

/**
 * Starts the backend: Prisma, auth, Express app + Socket.IO on one HTTP server (PORT/HOST), the retention job,
 * the email sender (when SMTP_URL is set).
 * `stop()` closes everything it opened, in reverse order.
 */
export async function start(env: Env, deps: AppDeps): Promise<BackendHandle> {
  const logger = deps.logger;
  const ownsPrisma = !deps.prisma;
  if (!deps.prisma && !env.DATABASE_URL)
    throw new Error('DATABASE_URL is required (main.ts resolves an embedded database when unset)');
  const sink = new DeferredRealtime();
  const jwtSecret = jwtSecretOf(env, deps); // before anything is opened: a refused secret leaves nothing behind
  const prisma =
    deps.prisma ??
    createPrismaClient(env.DATABASE_URL as string, {
      onPoolError: (err) => logger.warn({ err }, 'database pool error'),
    });
  const { metrics, auth, config } = createCore(env, deps, prisma, sink, jwtSecret);
  const oiLatest = new LatestOiWriter({ prisma, logger, flushIntervalMs: env.OI_LATEST_FLUSH_MS });
  // Values that were pending when the last process died are rebuilt from the stored samples (see repair()).
  const repairing = oiLatest.repairUntilDone();
  const emailSender = emailSenderFromEnv(env, { prisma, logger, metrics });
  if (!emailSender)
    logger.warn(
      'SMTP_URL is not set: alert emails (EMAIL/BOTH alerts) are queued in email_outbox and sent once it is set and the backend restarts',
    );
  const email = emailSender ?? { nudge: () => undefined };
  const ctx = { prisma, bus: deps.bus, auth, realtime: sink, logger, metrics, oiLatest, email, config, now: Date.now };
  const debugRouter = createDebugRouter({
    prisma,
    oiLatest,
    bus: deps.bus,
    auth,
    debugAccess: env.DEBUG_ACCESS,
    logger,
  });
  const keyPrefix = `${deps.redisKeyPrefix ?? 'volspike:'}ratelimit:`;
  const limiters = await rateLimitersFromEnv(env, { logger, keyPrefix });
  const app = createApp({ ...ctx, registry: deps.metrics, debugRouter, rateLimiter: limiters.rest });
  const server = http.createServer(app);
  const realtime = await attachRealtime(env, deps, {
    server,
    prisma,
    auth,
    corsOrigins: config.corsOrigins,
    handshakes: limiters.handshakes,
  });
  sink.target = realtime;
  const port = await listen(server, env.PORT, env.HOST);
  const retention = retentionJob(env, { prisma, logger, metrics });
  retention.start();
  emailSender?.start();
  logger.info({ port, host: env.HOST, debugAccess: env.DEBUG_ACCESS }, 'backend listening');

  let stopping: Promise<void> | null = null;
  return {
    port,
    server,
    realtime,
    health: () => computeHealth(ctx),
    stop() {
      stopping ??= (async () => {
        await retention.stop();
        await emailSender?.stop();
        await debugRouter.close();
        await realtime.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await oiLatest.close();
        await repairing;
        await limiters.close();
        if (ownsPrisma) await prisma.$disconnect();
        logger.info('backend stopped');
      })();
      return stopping;
    },
  };
}
