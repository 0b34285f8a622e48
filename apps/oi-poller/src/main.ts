import { DEFAULT_COMPONENT_SHARES, WeightBudget } from '@volspike/binance-client';
import { runStandalone } from '@volspike/runtime';
import { loadAppEnv, start } from './index.js';

// Standalone process (what systemd runs): env parsed once, one shutdown path, /health + /metrics.
await runStandalone({
  name: 'oi-poller',
  source: process.env,
  exit: (code) => process.exit(code),
  loadEnv: loadAppEnv,
  budget: ({ env, logger }) =>
    new WeightBudget({
      limitPerMin: env.BINANCE_WEIGHT_LIMIT_PER_MIN,
      safetyMargin: env.BINANCE_WEIGHT_SAFETY_MARGIN,
      redisUrl: env.REDIS_URL,
      shares: DEFAULT_COMPONENT_SHARES,
      logger,
    }),
  start,
  statusServer: (env) => ({ port: env.OI_POLLER_STATUS_PORT, host: env.OI_POLLER_STATUS_HOST }),
});
