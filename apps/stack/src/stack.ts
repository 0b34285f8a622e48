import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WeightBudget, DEFAULT_COMPONENT_SHARES } from '@volspike/binance-client';
import { startSim, type Sim } from '@volspike/binance-sim';
import { resolveDatabase } from '@volspike/db';
import {
  createBus,
  createMetrics,
  readOrCreateSecret,
  writeFileAtomicSync,
  type AppDeps as RuntimeAppDeps,
  type Logger,
} from '@volspike/runtime';
import * as backend from '@volspike/backend';
import * as binanceProxy from '@volspike/binance-proxy';
import * as funding from '@volspike/funding';
import * as oiPoller from '@volspike/oi-poller';
import * as telegramPoller from '@volspike/telegram-poller';
import * as universeJob from '@volspike/universe-job';
import * as userAlerts from '@volspike/user-alerts';
import * as volumeAlerts from '@volspike/volume-alerts';
import type { StackEnv } from './env.js';

export type StackMode = 'start' | 'demo';

export type AppDeps = RuntimeAppDeps<WeightBudget>;

interface Running {
  name: string;
  stop(): Promise<void>;
}

interface AppModule {
  loadAppEnv(source: Record<string, string | undefined>): unknown;
  start(env: never, deps: AppDeps): Promise<{ stop(): Promise<void> }>;
}

/** Components in start order; stopped in reverse. The backend comes first so daemons can deliver at once. */
const COMPONENTS: { name: string; flag: keyof StackEnv; module: AppModule }[] = [
  { name: 'backend', flag: 'FEATURE_BACKEND', module: backend as unknown as AppModule },
  { name: 'binance-proxy', flag: 'FEATURE_BINANCE_PROXY', module: binanceProxy as unknown as AppModule },
  { name: 'funding', flag: 'FEATURE_FUNDING', module: funding as unknown as AppModule },
  { name: 'universe-job', flag: 'FEATURE_UNIVERSE_JOB', module: universeJob as unknown as AppModule },
  { name: 'oi-poller', flag: 'FEATURE_OI_POLLER', module: oiPoller as unknown as AppModule },
  { name: 'volume-alerts', flag: 'FEATURE_VOLUME_ALERTS', module: volumeAlerts as unknown as AppModule },
  { name: 'user-alerts', flag: 'FEATURE_USER_ALERTS', module: userAlerts as unknown as AppModule },
  { name: 'telegram-poller', flag: 'FEATURE_TELEGRAM_POLLER', module: telegramPoller as unknown as AppModule },
];

/** Names of the components `env`'s feature flags enable, in start order. */
export function enabledComponents(env: StackEnv): string[] {
  return COMPONENTS.filter((c) => env[c.flag]).map((c) => c.name);
}

export interface StackHandle {
  sim: Sim | null;
  databaseUrl: string;
  apiUrl: string;
  ingestKey: string;
  env: Record<string, string | undefined>;
  components: string[];
  stop(): Promise<void>;
}

interface Resolved {
  ingestKey: string;
  jwtSecret: string;
  databaseUrl: string;
  restUrl: string;
  wsUrl: string;
  dataDir: string;
}

/** Stand-ins used only to validate the apps' variables before the real values exist. */
const PROVISIONAL: Resolved = {
  ingestKey: 'provisional',
  jwtSecret: 'provisional-secret-provisional-secret',
  databaseUrl: 'postgresql://provisional@127.0.0.1:5432/provisional',
  restUrl: 'http://127.0.0.1:7070',
  wsUrl: 'ws://127.0.0.1:7070',
  dataDir: '.data',
};

/** Embedded defaults first, then whatever the caller set explicitly, then the values the stack resolved. */
function composeAppEnv(
  mode: StackMode,
  env: StackEnv,
  source: Record<string, string | undefined>,
  r: Resolved,
): Record<string, string | undefined> {
  return {
    // `npm start` is production (secure defaults, refused start-up on unsafe ones); only the demo is development.
    NODE_ENV: mode === 'demo' ? 'development' : 'production',
    DEBUG_ACCESS: mode === 'demo' ? 'public' : 'admin',
    VOLSPIKE_API_URL: `http://127.0.0.1:${env.PORT}`,
    VOLSPIKE_API_KEY: r.ingestKey,
    BINANCE_PROXY_URL: `http://127.0.0.1:${env.BINANCE_PROXY_PORT}`,
    FUNDING_API_URL: `http://127.0.0.1:${env.FUNDING_API_PORT}/funding`,
    ...source,
    ALERT_INGEST_API_KEY: r.ingestKey,
    PORT: String(env.PORT),
    BINANCE_PROXY_PORT: String(env.BINANCE_PROXY_PORT),
    FUNDING_API_PORT: String(env.FUNDING_API_PORT),
    JWT_SECRET: r.jwtSecret,
    DATABASE_URL: r.databaseUrl,
    BINANCE_REST_URL: r.restUrl,
    BINANCE_WS_URL: r.wsUrl,
    DATA_DIR: r.dataDir,
  };
}

/** Reads a secret from the data directory, creating it on first use, so restarts keep the same value. */
function persistentSecret(dataDir: string, file: string): string {
  return readOrCreateSecret(join(dataDir, file)).value;
}

type StartOptions = {
  mode: StackMode;
  env: StackEnv;
  source: Record<string, string | undefined>;
  logger: Logger;
  /** Something the stack cannot run without is gone (the embedded database's process died): stop and exit non-zero. */
  onFatal?: (reason: string) => void;
};

/** The simulated exchange in demo mode (unless BINANCE_REST_URL is given), else the configured endpoints. */
async function startExchange(
  opts: StartOptions,
  running: Running[],
): Promise<{ sim: Sim | null; restUrl: string; wsUrl: string }> {
  const { env, logger } = opts;
  const restUrl = env.BINANCE_REST_URL ?? 'https://fapi.binance.com';
  const wsUrl = env.BINANCE_WS_URL ?? 'wss://fstream.binance.com';
  if (opts.mode !== 'demo' || env.BINANCE_REST_URL) return { sim: null, restUrl, wsUrl };
  const sim = await startSim({
    port: env.SIM_PORT,
    symbols: env.SIM_SYMBOLS,
    seed: env.SIM_SEED,
    weightLimitPerMin: env.SIM_WEIGHT_LIMIT_PER_MIN,
    lively: true,
  });
  running.push({ name: 'binance-sim', stop: () => sim.close() });
  logger.info({ url: sim.url }, 'simulated exchange started');
  return { sim, restUrl: sim.url, wsUrl: sim.wsUrl };
}

/** What every app shares: the database (embedded when DATABASE_URL is unset), the bus, the weight budget. */
async function startShared(opts: StartOptions, dataDir: string, running: Running[]) {
  const { env, logger } = opts;
  const db = await resolveDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: join(dataDir, 'pg'),
    logger,
    embedded: 'process',
    onEmbeddedExit: ({ code, signal }) =>
      opts.onFatal?.(`embedded Postgres process exited (code ${String(code)}, signal ${String(signal)})`),
  });
  running.push({ name: 'database', stop: () => db.stop() });
  if (db.embedded) writeFileAtomicSync(join(dataDir, 'pg', 'url'), db.url + '\n');

  const bus = createBus({
    redisUrl: env.REDIS_URL,
    stateFile: join(dataDir, 'bus-state.json'),
    logger: logger.child({ component: 'bus' }),
  });
  running.push({ name: 'bus', stop: () => bus.close() });
  const budget = new WeightBudget({
    limitPerMin: env.BINANCE_WEIGHT_LIMIT_PER_MIN,
    safetyMargin: env.BINANCE_WEIGHT_SAFETY_MARGIN,
    redisUrl: env.REDIS_URL,
    shares: DEFAULT_COMPONENT_SHARES,
    logger: logger.child({ component: 'weight-budget' }),
  });
  running.push({ name: 'weight-budget', stop: () => budget.stop() });
  return { db, bus, budget };
}

/** Starts the enabled apps in order, each with its own parse of the composed environment. */
async function startApps(
  env: StackEnv,
  appEnv: Record<string, string | undefined>,
  deps: AppDeps,
  running: Running[],
): Promise<string[]> {
  const { logger } = deps;
  for (const c of COMPONENTS) {
    if (!env[c.flag]) logger.info({ component: c.name }, `disabled by ${String(c.flag)}=false`);
  }
  const started: string[] = [];
  for (const c of COMPONENTS.filter((c) => env[c.flag])) {
    const appEnvParsed = c.module.loadAppEnv(appEnv);
    const handle = await c.module.start(appEnvParsed as never, { ...deps, logger: logger.child({ app: c.name }) });
    running.push({ name: c.name, stop: () => handle.stop() });
    started.push(c.name);
    logger.info({ component: c.name }, 'started');
  }
  return started;
}

/**
 * Starts every enabled component in one process with embedded defaults: the simulated exchange in demo
 * mode, embedded Postgres when DATABASE_URL is unset, an in-process bus and weight budget when REDIS_URL
 * is unset. Each app still parses its own variables from the same environment.
 */
export async function startStack(opts: StartOptions): Promise<StackHandle> {
  const { mode, env, logger } = opts;
  const dataDir = resolve(env.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const running: Running[] = [];
  const stopAll = async (): Promise<void> => {
    for (const r of running.reverse()) {
      try {
        await r.stop();
        logger.info({ component: r.name }, 'stopped');
      } catch (err) {
        logger.error({ err, component: r.name }, 'stop failed');
      }
    }
    running.length = 0;
  };

  // Every enabled app parses its variables before anything starts, so a bad value stops the process at
  // once with the one-line EnvError naming the variable (and nothing half-started to clean up).
  for (const c of COMPONENTS.filter((c) => env[c.flag])) {
    c.module.loadAppEnv(composeAppEnv(mode, env, opts.source, PROVISIONAL));
  }

  try {
    const { sim, restUrl, wsUrl } = await startExchange(opts, running);
    const { db, bus, budget } = await startShared(opts, dataDir, running);
    const ingestKey = opts.source.ALERT_INGEST_API_KEY || persistentSecret(dataDir, 'ingest-key');
    const jwtSecret = opts.source.JWT_SECRET || persistentSecret(dataDir, 'jwt-secret');
    const apiUrl = `http://127.0.0.1:${env.PORT}`;
    const appEnv = composeAppEnv(mode, env, opts.source, {
      ingestKey,
      jwtSecret,
      databaseUrl: db.url,
      restUrl,
      wsUrl,
      dataDir,
    });
    const deps: AppDeps = { logger, bus, budget, dataDir, metrics: createMetrics() };
    const components = await startApps(env, appEnv, deps, running);
    return { sim, databaseUrl: db.url, apiUrl, ingestKey, env: appEnv, components, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
