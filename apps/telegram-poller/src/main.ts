import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLogger, createMetrics, EnvError, Lifecycle, startStatusServer } from '@volspike/runtime';
import { loadAppEnv, start } from './index.js';
import type { Env } from './index.js';

// Standalone process: env parsed once, one shutdown path, /health + /metrics on TELEGRAM_POLLER_STATUS_PORT.
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

const logger = createLogger({ name: 'telegram-poller', level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
const lifecycle = new Lifecycle({ logger });
lifecycle.installSignalHandlers((code) => process.exit(code));
const dataDir = resolve(env.DATA_DIR);
mkdirSync(dataDir, { recursive: true });

try {
  const registry = createMetrics();
  const app = await start(env, { logger, dataDir, metrics: registry, lifecycle });
  lifecycle.add('telegram-poller', () => app.stop());
  const status = await startStatusServer({
    port: env.TELEGRAM_POLLER_STATUS_PORT,
    host: env.TELEGRAM_POLLER_STATUS_HOST,
    logger,
    registry,
    health: () => app.health(),
  });
  lifecycle.add('status-server', () => status.close());
  logger.info({ port: status.port }, 'status server listening (/health, /metrics)');
} catch (err) {
  logger.fatal({ err }, 'telegram-poller failed to start');
  await lifecycle.shutdown('start failed');
  process.exit(1);
}
