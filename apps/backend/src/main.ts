// Standalone backend process: `pnpm --filter @volspike/backend start` (what systemd runs).
import { join } from 'node:path';
import { resolveDatabase } from '@volspike/db';
import { Lifecycle, createBus, createLogger, createMetrics } from '@volspike/runtime';
import { loadAppEnv, start } from './index.js';

async function main(): Promise<void> {
  const env = loadAppEnv(process.env);
  const logger = createLogger({
    name: 'backend',
    level: env.LOG_LEVEL,
    pretty: env.NODE_ENV === 'development' && process.stdout.isTTY,
  });
  const lifecycle = new Lifecycle({ logger });
  lifecycle.installSignalHandlers((code) => process.exit(code));
  const db = await resolveDatabase({ databaseUrl: env.DATABASE_URL, dataDir: join(env.DATA_DIR, 'pg'), logger });
  lifecycle.add('database', () => db.stop());
  const bus = createBus({
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    stateFile: join(env.DATA_DIR, 'bus-state.json'),
    logger,
  });
  lifecycle.add('bus', () => bus.close());
  const handle = await start(
    { ...env, DATABASE_URL: db.url },
    { logger, bus, metrics: createMetrics(), dataDir: env.DATA_DIR, lifecycle },
  );
  lifecycle.add('backend', () => handle.stop());
}

main().catch((err: unknown) => {
  // No logger may exist yet (bad env): one line on stderr, exit 1.
  process.stderr.write(`${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
});
