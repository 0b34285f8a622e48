import { DEFAULT_COMPONENT_SHARES, WeightBudget } from '@volspike/binance-client';
import { runStandalone } from '@volspike/runtime';
import { loadAppEnv, start } from './index.js';

// Standalone process: env parsed once, one shutdown path, /health + /metrics on USER_ALERTS_STATUS_PORT.
await runStandalone({
  name: 'user-alerts',
  source: process.env,
  exit: (code) => process.exit(code),
  loadEnv: loadAppEnv,
  budget: ({ env, logger }) => new WeightBudget({ redisUrl: env.REDIS_URL, shares: DEFAULT_COMPONENT_SHARES, logger }),
  start,
  statusServer: (env) => ({ port: env.USER_ALERTS_STATUS_PORT, host: env.USER_ALERTS_STATUS_HOST }),
});
