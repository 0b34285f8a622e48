import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { createPrismaClient, type PrismaClient } from '@volspike/db';
import type { Bus, Lifecycle, Logger } from '@volspike/runtime';
import { createApp } from './app.js';
import { createAuth } from './auth/index.js';
import type { RealtimeSink } from './context.js';
import { appConfig } from './config.js';
import { createDebugRouter } from './debug/router.js';
import type { Env } from './env.js';
import { createBackendMetrics } from './metrics.js';
import { createRealtime, type Realtime } from './realtime/index.js';
import { emailSenderFromEnv } from './services/email-sender.js';
import { computeHealth } from './services/health.js';
import { LatestOiWriter } from './services/oi-latest.js';
import { RetentionJob } from './services/retention.js';
import { readOrCreateSecret } from './services/secret-file.js';

export { EnvSchema, loadAppEnv, type Env } from './env.js';
export { createApp, type CreateAppOptions } from './app.js';
export type { AppConfig, AppContext, RealtimeSink } from './context.js';
export { createBackendMetrics, type BackendMetrics } from './metrics.js';
export { RetentionJob } from './services/retention.js';
export { EmailSender } from './services/email-sender.js';
export { corsOrigins } from './http/cors.js';

export { VERSION, appConfig } from './config.js';

export interface AppDeps {
  logger: Logger;
  bus: Bus;
  metrics: Registry;
  dataDir?: string;
  lifecycle?: Lifecycle;
  /** An existing client (tests); otherwise one is created from DATABASE_URL and disconnected on stop. */
  prisma?: PrismaClient;
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
  const prisma =
    deps.prisma ??
    createPrismaClient(env.DATABASE_URL as string, {
      onPoolError: (err) => logger.warn({ err }, 'database pool error'),
    });
  const jwtSecret = env.JWT_SECRET ?? readOrCreateSecret(join(deps.dataDir ?? env.DATA_DIR, 'jwt-secret'));
  const auth = createAuth({ prisma, jwtSecret, legacyTokens: env.SOCKET_LEGACY_TOKEN_AUTH, logger });
  // The realtime module warns once about SOCKET_LEGACY_TOKEN_AUTH=true.
  if (!env.ALERT_INGEST_API_KEY)
    logger.warn('ALERT_INGEST_API_KEY is not set: every ingest route answers 500 "Server configuration error"');
  const config = appConfig(env);
  const sink = new DeferredRealtime();
  const metrics = createBackendMetrics(deps.metrics, () => sink.stats().clients);
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
  const app = createApp({ ...ctx, registry: deps.metrics, debugRouter });
  const server = http.createServer(app);
  const realtime = await createRealtime({
    httpServer: server,
    prisma,
    auth,
    logger,
    corsOrigins: config.corsOrigins,
    redisUrl: env.REDIS_URL,
    legacyTokenAuth: env.SOCKET_LEGACY_TOKEN_AUTH,
    oiUpdateTickMs: env.OI_UPDATE_TICK_MS,
    debugAccess: env.DEBUG_ACCESS,
  });
  sink.target = realtime;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.PORT, env.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const retention = new RetentionJob({
    prisma,
    logger,
    metrics,
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
        if (ownsPrisma) await prisma.$disconnect();
        logger.info('backend stopped');
      })();
      return stopping;
    },
  };
}
