// Shared by the HTTP integration tests: a real migrated database per file (createTestDatabase), the real auth
// module, a memory bus, and a fake Realtime that records what the routes emit.
import { Registry } from 'prom-client';
import type { Express } from 'express';
import type { PrismaClient } from '@volspike/db';
import { createTestDatabase } from '@volspike/db/testing';
import { createBus, createLogger, type Bus } from '@volspike/runtime';
import { createApp } from '../src/app.js';
import { createAuth, type Auth } from '../src/auth/index.js';
import { appConfig } from '../src/config.js';
import type { RealtimeSink } from '../src/context.js';
import { loadAppEnv } from '../src/env.js';
import { createBackendMetrics } from '../src/metrics.js';
import { emailSenderFromEnv, type EmailSender } from '../src/services/email-sender.js';
import { LatestOiWriter } from '../src/services/oi-latest.js';

export const INGEST_KEY = 'test-ingest-key';
export const TEST_JWT_SECRET = 'app-test-secret-that-is-long-enough-for-hs256';

export class FakeRealtime implements RealtimeSink {
  volume: unknown[] = [];
  oiAlerts: unknown[] = [];
  oiUpdates: {
    symbol: string;
    openInterest: number;
    openInterestUsd: number | null;
    markPrice: number | null;
    ts: Date;
  }[][] = [];
  userAlerts: { userId: string; payload: unknown }[] = [];
  emitVolumeAlert: RealtimeSink['emitVolumeAlert'] = (row) => void this.volume.push(row);
  emitOiAlert: RealtimeSink['emitOiAlert'] = (row) => void this.oiAlerts.push(row);
  queueOiUpdates: RealtimeSink['queueOiUpdates'] = (s) => void this.oiUpdates.push(s);
  emitUserAlertTriggered: RealtimeSink['emitUserAlertTriggered'] = (userId, payload) =>
    void this.userAlerts.push({ userId, payload });
  stats = () => ({ clients: 3 });
}

export interface TestApp {
  app: Express;
  prisma: PrismaClient;
  realtime: FakeRealtime;
  auth: Auth;
  bus: Bus;
  registry: Registry;
  clock: { now: number };
  /** open_interest_latest's writer of the current `app` (`flush()` before reading that table directly). */
  oiLatest: LatestOiWriter;
  /** The running email sender (on the test clock) when SMTP_URL is among the env overrides, else null. */
  email: EmailSender | null;
  /**
   * A new `app` on the same database and fakes, as after a backend restart: per-process state (e.g. the
   * symbols the OI ingest counts as `cached`) is read from the database again, e.g. after clearTables. The
   * previous app's pending open_interest_latest values are written first (its shutdown path).
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The env of a test that runs the whole backend with `start()` on a free port of 127.0.0.1. */
export function startEnv(overrides: Record<string, string> = {}) {
  return loadAppEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    ALERT_INGEST_API_KEY: INGEST_KEY,
    JWT_SECRET: TEST_JWT_SECRET,
    NODE_ENV: 'test',
    ...overrides,
  });
}

export async function createTestApp(envOverrides: Record<string, string | undefined> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const logger = createLogger({ name: 'test', level: 'silent' });
  const bus = createBus({ logger });
  const registry = new Registry();
  const realtime = new FakeRealtime();
  const env = loadAppEnv({
    ALERT_INGEST_API_KEY: INGEST_KEY,
    JWT_SECRET: TEST_JWT_SECRET,
    DEBUG_ACCESS: 'public',
    NODE_ENV: 'test',
    ...envOverrides,
  });
  const auth = createAuth({
    prisma: db.prisma,
    jwtSecret: TEST_JWT_SECRET,
    legacyIdTokens: false,
    legacyEmailTokens: false,
    logger,
  });
  const clock = { now: Date.now() };
  const metrics = createBackendMetrics(registry, () => realtime.stats().clients);
  const email = emailSenderFromEnv(env, { prisma: db.prisma, logger, metrics, now: () => clock.now });
  email?.start();
  const newWriter = () => new LatestOiWriter({ prisma: db.prisma, logger, flushIntervalMs: env.OI_LATEST_FLUSH_MS });
  const build = (oiLatest: LatestOiWriter) =>
    createApp({
      prisma: db.prisma,
      bus,
      auth,
      realtime,
      logger,
      metrics,
      oiLatest,
      email: email ?? { nudge: () => undefined },
      config: appConfig(env),
      now: () => clock.now,
      registry,
    });
  const oiLatest = newWriter();
  const t: TestApp = {
    app: build(oiLatest),
    prisma: db.prisma,
    realtime,
    auth,
    bus,
    registry,
    clock,
    oiLatest,
    email,
    async restart() {
      await t.oiLatest.close();
      t.oiLatest = newWriter();
      t.app = build(t.oiLatest);
    },
    async close() {
      await email?.stop();
      await t.oiLatest.close();
      await bus.close();
      await db.drop();
    },
  };
  return t;
}

export async function userWithToken(
  t: TestApp,
  tier: 'free' | 'pro' | 'elite',
  opts: { admin?: boolean; email?: string } = {},
) {
  const user = await t.prisma.user.create({
    data: {
      email: opts.email ?? `${tier}-${Math.random().toString(36).slice(2)}@example.com`,
      tier,
      role: opts.admin ? 'ADMIN' : 'USER',
    },
  });
  const token = await t.auth.signToken({ id: user.id });
  return { user, token, bearer: `Bearer ${token}` };
}

/** Empties tables between tests (DELETE is much cheaper than TRUNCATE on tiny tables; FKs cascade). */
export async function clearTables(prisma: PrismaClient, tables: string[]): Promise<void> {
  for (const table of tables) await prisma.$executeRawUnsafe(`DELETE FROM ${table}`);
}
