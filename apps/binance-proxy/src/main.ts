import { DEFAULT_COMPONENT_SHARES, WeightBudget } from '@volspike/binance-client';
import { runStandalone } from '@volspike/runtime';
import { loadAppEnv, start } from './index.js';

// Standalone process (what systemd runs). /health and /metrics are served by the proxy's own port.
await runStandalone({
  name: 'binance-proxy',
  source: process.env,
  exit: (code) => process.exit(code),
  loadEnv: loadAppEnv,
  budget: ({ env, logger }) => new WeightBudget({ redisUrl: env.REDIS_URL, shares: DEFAULT_COMPONENT_SHARES, logger }),
  start,
});
