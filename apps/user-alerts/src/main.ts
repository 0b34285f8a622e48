import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_COMPONENT_SHARES, WeightBudget } from '@volspike/binance-client';
import { createBus, createLogger, createMetrics, EnvError, Lifecycle, startStatusServer } from '@volspike/runtime';
import { loadAppEnv, start } from './index.js';
import type { Env } from './index.js';

// Standalone process: env parsed once, one shutdown path, /health + /metrics on USER_ALERTS_STATUS_PORT.
let env: Env;
try {
  env = loadAppEnv(process.env);
} catch (err) {
  if (err instanceof EnvError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

const logger = createLogger({ name: 'user-alerts', level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
const lifecycle = new Lifecycle({ logger });
lifecycle.installSignalHandlers((code) => process.exit(code));
const dataDir = resolve(env.DATA_DIR);
mkdirSync(dataDir, { recursive: true });

try {
  const bus = createBus({
    redisUrl: env.REDIS_URL,
    stateFile: join(dataDir, 'user-alerts-bus.json'),
    logger: logger.child({ component: 'bus' }),
  });
  lifecycle.add('bus', () => bus.close());
  const budget = new WeightBudget({
    redisUrl: env.REDIS_URL,
    shares: DEFAULT_COMPONENT_SHARES,
    logger: logger.child({ component: 'weight-budget' }),
  });
  lifecycle.add('weight-budget', () => budget.stop());
  const registry = createMetrics();
  const app = await start(env, { logger, bus, budget, dataDir, metrics: registry, lifecycle });
  lifecycle.add('user-alerts', () => app.stop());
  const status = await startStatusServer({
    port: env.USER_ALERTS_STATUS_PORT,
    host: env.USER_ALERTS_STATUS_HOST,
    logger,
    registry,
    health: () => app.health(),
  });
  lifecycle.add('status-server', () => status.close());
  logger.info({ port: status.port }, 'status server listening (/health, /metrics)');
} catch (err) {
  logger.fatal({ err }, 'user-alerts failed to start');
  await lifecycle.shutdown('start failed');
  process.exit(1);
}
