import { DEFAULT_COMPONENT_SHARES, WeightBudget } from '@volspike/binance-client';
import { runStandalone } from '@volspike/runtime';
import { loadAppEnv, start } from './index.js';

// Standalone process (what systemd runs): env parsed once, one shutdown path, /health + /metrics.
await runStandalone({
  name: 'universe-job',
  source: process.env,
  exit: (code) => process.exit(code),
  loadEnv: loadAppEnv,
  budget: ({ env, logger }) => new WeightBudget({ redisUrl: env.REDIS_URL, shares: DEFAULT_COMPONENT_SHARES, logger }),
  start,
  statusServer: (env) => ({ port: env.UNIVERSE_JOB_STATUS_PORT, host: '127.0.0.1' }),
});
