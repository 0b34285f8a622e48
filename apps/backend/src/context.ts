import type { PrismaClient } from '@volspike/db';
import type { Bus, Logger } from '@volspike/runtime';
import type { Auth } from './auth/index.js';
import type { Realtime } from './realtime/index.js';
import type { BackendMetrics } from './metrics.js';
import type { LatestOiWriter } from './services/oi-latest.js';
import type { IngestKeyring } from './http/ingest-key.js';

/** What the HTTP routes need from Socket.IO (the real `Realtime`, or a fake in tests). */
export type RealtimeSink = Pick<
  Realtime,
  'emitVolumeAlert' | 'emitOiAlert' | 'queueOiUpdates' | 'emitUserAlertTriggered'
> & {
  stats(): { clients: number };
};

/** What a route needs of the email sender: wake it after queueing a row (a no-op while SMTP_URL is unset). */
export interface EmailQueue {
  nudge(): void;
}

export interface AppConfig {
  /** ALERT_INGEST_API_KEY + INGEST_KEYS; none configured → ingest routes answer 500 "Server configuration error". */
  ingestKeys: IngestKeyring;
  development: boolean;
  /** NODE_ENV=production: /metrics needs METRICS_TOKEN or a loopback client. */
  production: boolean;
  /** TRUST_PROXY_HOPS: Express `trust proxy` (a count of proxies, never `true`). */
  trustProxyHops: number;
  /** METRICS_TOKEN */
  metricsToken: string | undefined;
  /** USER_ALERTS_MAX_PER_USER: cross alerts (active or not) one user may keep. */
  userAlertsMaxPerUser: number;
  /** OI_INGEST_CONCURRENCY: OI ingest statements run at once (services/ingest-gate.ts). */
  oiIngestConcurrency: number;
  environment: string;
  version: string;
  debugAccess: 'public' | 'admin';
  corsOrigins: string[];
  /** FRONTEND_URL: the dashboard named in alert emails (where an alert is re-armed). */
  frontendUrl: string;
  universe: {
    enterThreshold: number;
    exitThreshold: number;
    maxReqPerMin: number;
    minIntervalSec: number;
    maxIntervalSec: number;
  };
  health: {
    heartbeatStaleSec: number;
    oiStaleSec: number;
    universeStaleSec: number;
    markPriceStaleSec: number;
    requiredComponents: string[];
  };
}

export interface AppContext {
  prisma: PrismaClient;
  bus: Bus;
  auth: Auth;
  realtime: RealtimeSink;
  logger: Logger;
  metrics: BackendMetrics;
  /** open_interest_latest, written behind the OI ingest; readers of that table call `flushed()` first. */
  oiLatest: LatestOiWriter;
  email: EmailQueue;
  config: AppConfig;
  now: () => number;
}
