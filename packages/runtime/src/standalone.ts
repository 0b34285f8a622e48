import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Registry } from 'prom-client';
import type { Bus } from './bus.js';
import { createBus } from './bus.js';
import { EnvError } from './env.js';
import { Lifecycle } from './lifecycle.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, startStatusServer, type HealthResult } from './status-server.js';

/**
 * What every app's `start(env, deps)` receives (from its own `main.ts` or from apps/stack). `Budget` is
 * the shared `WeightBudget` of @volspike/binance-client; it is a type parameter because runtime sits
 * below binance-client in the dependency graph and cannot name it.
 */
export interface AppDeps<Budget = unknown> {
  logger: Logger;
  bus: Bus;
  budget: Budget;
  dataDir: string;
  metrics: Registry;
  lifecycle?: Lifecycle;
}

/** What every app's `start()` resolves to. */
export interface AppHandle {
  stop(): Promise<void>;
  health?(): Promise<HealthResult>;
}

/** The env variables every standalone process reads (see `processEnv` in env.ts). */
export interface StandaloneEnv {
  REDIS_URL?: string | undefined;
  DATA_DIR: string;
  LOG_LEVEL: string;
  LOG_PRETTY: boolean;
}

/** The deps runStandalone builds for `start()` (without the budget, see {@link StandaloneOptions.budget}). */
export type StandaloneDeps = Omit<AppDeps, 'budget' | 'lifecycle'> & { lifecycle: Lifecycle };

export interface StandaloneOptions<
  E extends StandaloneEnv,
  B extends { stop(): Promise<void> | void } | undefined,
  H extends AppHandle,
> {
  /** Logger name, bus state file `<DATA_DIR>/<name>-bus.json`, lifecycle component name. */
  name: string;
  /** The app's `loadAppEnv`; an EnvError is printed as its one line on stderr, then exit(1). */
  loadEnv: (source: Record<string, string | undefined>) => E;
  /** `process.env`, passed in by main.ts (packages never read it). */
  source: Record<string, string | undefined>;
  /** `(code) => process.exit(code)`, passed in by main.ts (packages never exit). */
  exit: (code: number) => void;
  /**
   * Builds the shared weight budget (stopped by the lifecycle as `weight-budget`). A callback because
   * `WeightBudget` lives in @volspike/binance-client, which depends on runtime. Omit for apps without one.
   */
  budget?: (ctx: { env: E; logger: Logger }) => B;
  start: (env: E, deps: StandaloneDeps & { budget: B }) => Promise<H>;
  /** Serve GET /health (the app's `health()`) and GET /metrics on this port. Omit when the app serves them itself. */
  statusServer?: (env: E) => { port: number; host?: string };
  /** Called once the app is up (e.g. a log line naming the app's own port). */
  onStarted?: (app: H, ctx: { env: E; logger: Logger }) => void;
  /** Where the bad-env line goes (default stderr). */
  writeError?: (line: string) => void;
  /** Log destination (tests). */
  logDestination?: NodeJS.WritableStream;
}

export interface StandaloneProcess<H extends AppHandle> {
  app: H;
  logger: Logger;
  lifecycle: Lifecycle;
  /** Port of the status server, when one was started. */
  statusPort: number | null;
}

/**
 * The whole of an app's `main.ts`: parse the env once (a bad env → one line on stderr, exit 1), create the
 * root logger, the lifecycle with its signal handlers, `DATA_DIR`, the bus (Redis when `REDIS_URL` is set,
 * else in memory with `<DATA_DIR>/<name>-bus.json`), the optional budget, the metrics registry; call
 * `start(env, deps)`; serve /health + /metrics when asked; register every stop with the one shutdown path.
 * A failure to start is logged fatal, everything started is stopped, then exit(1).
 * Resolves to the running process, or null when it exited.
 */
export async function runStandalone<
  E extends StandaloneEnv,
  B extends { stop(): Promise<void> | void } | undefined,
  H extends AppHandle,
>(opts: StandaloneOptions<E, B, H>): Promise<StandaloneProcess<H> | null> {
  let env: E;
  try {
    env = opts.loadEnv(opts.source);
  } catch (err) {
    if (err instanceof EnvError) {
      (opts.writeError ?? ((line: string) => process.stderr.write(line)))(`${err.message}\n`);
      opts.exit(1);
      return null;
    }
    throw err;
  }

  const { name } = opts;
  const logger = createLogger({
    name,
    level: env.LOG_LEVEL,
    pretty: env.LOG_PRETTY,
    ...(opts.logDestination ? { destination: opts.logDestination } : {}),
  });
  const lifecycle = new Lifecycle({ logger });
  lifecycle.installSignalHandlers(opts.exit);
  const dataDir = resolve(env.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });

  try {
    const bus = createBus({
      redisUrl: env.REDIS_URL,
      stateFile: join(dataDir, `${name}-bus.json`),
      logger: logger.child({ component: 'bus' }),
    });
    lifecycle.add('bus', () => bus.close());
    const budget = opts.budget?.({ env, logger: logger.child({ component: 'weight-budget' }) });
    if (budget) lifecycle.add('weight-budget', () => budget.stop());
    const registry = createMetrics();
    const app = await opts.start(env, { logger, bus, budget: budget as B, dataDir, metrics: registry, lifecycle });
    lifecycle.add(name, () => app.stop());
    let statusPort: number | null = null;
    if (opts.statusServer) {
      const health = app.health?.bind(app);
      if (!health) throw new Error(`${name}: a status server needs the app's health()`);
      const status = await startStatusServer({ ...opts.statusServer(env), logger, registry, health });
      lifecycle.add('status-server', () => status.close());
      statusPort = status.port;
      logger.info({ port: status.port }, 'status server listening (/health, /metrics)');
    }
    opts.onStarted?.(app, { env, logger });
    return { app, logger, lifecycle, statusPort };
  } catch (err) {
    logger.fatal({ err }, `${name} failed to start`);
    await lifecycle.shutdown('start failed');
    lifecycle.removeSignalHandlers();
    opts.exit(1);
    return null;
  }
}
