import type { AppConfig } from './context.js';
import type { Env } from './env.js';
import { corsOrigins } from './http/cors.js';
import { IngestKeyring } from './http/ingest-key.js';
import { parseIngestKeys } from './env.js';

/** Reported by /health (legacy: npm_package_version or "1.0.0"). */
export const VERSION = process.env.npm_package_version ?? '1.0.0';

/** The parts of the env the HTTP routes need. */
export function appConfig(env: Env): AppConfig {
  const development = env.NODE_ENV === 'development';
  return {
    ingestKeys: new IngestKeyring(env.ALERT_INGEST_API_KEY, parseIngestKeys(env.INGEST_KEYS)),
    development,
    production: env.NODE_ENV === 'production',
    trustProxyHops: env.TRUST_PROXY_HOPS,
    metricsToken: env.METRICS_TOKEN,
    userAlertsMaxPerUser: env.USER_ALERTS_MAX_PER_USER,
    oiIngestConcurrency: env.OI_INGEST_CONCURRENCY,
    environment: env.NODE_ENV,
    version: VERSION,
    debugAccess: env.DEBUG_ACCESS,
    corsOrigins: corsOrigins({ frontendUrl: env.FRONTEND_URL, development, extra: env.CORS_EXTRA_ORIGINS }),
    frontendUrl: env.FRONTEND_URL,
    universe: {
      enterThreshold: env.OI_LIQUID_ENTER_QUOTE_24H,
      exitThreshold: env.OI_LIQUID_EXIT_QUOTE_24H,
      maxReqPerMin: env.OI_MAX_REQ_PER_MIN,
      minIntervalSec: env.OI_MIN_INTERVAL_SEC,
      maxIntervalSec: env.OI_MAX_INTERVAL_SEC,
    },
    health: {
      heartbeatStaleSec: env.HEALTH_HEARTBEAT_STALE_SEC,
      oiStaleSec: env.HEALTH_OI_STALE_SEC,
      universeStaleSec: env.HEALTH_UNIVERSE_STALE_SEC,
      markPriceStaleSec: env.HEALTH_MARK_PRICE_STALE_SEC,
      requiredComponents: env.HEALTH_REQUIRED_COMPONENTS,
    },
  };
}
