import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createBus, createLogger, createMetrics, EnvError, Lifecycle } from '@volspike/runtime';
import { loadAppEnv, start } from './index.js';
import type { Env } from './index.js';

// Standalone process (what systemd runs): env parsed once, one shutdown path. The funding API itself
// serves /health and /metrics on FUNDING_API_PORT.
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

const logger = createLogger({ name: 'funding', level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
const lifecycle = new Lifecycle({ logger });
lifecycle.installSignalHandlers((code) => process.exit(code));
const dataDir = resolve(env.DATA_DIR);
mkdirSync(dataDir, { recursive: true });

try {
  const bus = createBus({ redisUrl: env.REDIS_URL, stateFile: join(dataDir, 'funding-bus.json'), logger: logger.child({ component: 'bus' }) });
  lifecycle.add('bus', () => bus.close());
  const registry = createMetrics();
  const app = await start(env, { logger, bus, dataDir, metrics: registry, lifecycle });
  lifecycle.add('funding', () => app.stop());
  logger.info({ port: app.port }, 'funding API listening (/funding, /health, /metrics)');
} catch (err) {
  logger.fatal({ err }, 'funding failed to start');
  await lifecycle.shutdown('start failed');
  process.exit(1);
}
