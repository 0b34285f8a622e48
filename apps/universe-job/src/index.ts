import { join } from 'node:path';
import { BackendClient, openShadowJournal } from '@volspike/backend-client';
import type { BackendQueue, ShadowJournal } from '@volspike/backend-client';
import { BinanceRestClient } from '@volspike/binance-client';
import type { WeightBudget } from '@volspike/binance-client';
import { estimatedPollIntervalSec } from '@volspike/oi-core';
import { FileOutboxStore, HeartbeatSender } from '@volspike/runtime';
import type { AppDeps, Logger, UniverseMessage } from '@volspike/runtime';
import { EnvSchema, loadAppEnv } from './env.js';
import type { Env } from './env.js';
import { universeMetrics } from './metrics.js';
import { SymbolSource } from './symbol-source.js';
import { UniverseJob } from './universe-job.js';
import type { UniverseJobStatus } from './universe-job.js';
import { UniverseStore } from './universe-store.js';
import { TickerVolumeFeed, VolumeSource } from './volume-source.js';

export { EnvSchema, loadAppEnv };
export type { Env };
export { UniverseJob } from './universe-job.js';
export type { UniverseJobStatus } from './universe-job.js';
export { UniverseStore } from './universe-store.js';
export { SymbolSource } from './symbol-source.js';
export { TickerVolumeFeed, VolumeSource, VolumeUnavailableError } from './volume-source.js';

export interface UniverseJobHandle {
  stop(): Promise<void>;
  health(): Promise<{ ok: boolean; body: Record<string, unknown> }>;
  /** Runs one refresh now (tests, CLI); resolves true when a universe was published. */
  refreshNow(): Promise<boolean>;
  universe(): UniverseMessage | null;
  status(): UniverseJobStatus;
  outbox: BackendQueue;
}

interface Parts {
  env: Env;
  deps: AppDeps<WeightBudget>;
  logger: Logger;
  dir: string;
  shadow: ShadowJournal | null;
  backend: BackendClient;
}

/**
 * Starts the universe job, step by step: backend client (and shadow journal), its durable queue, Binance
 * REST and the ticker stream, the universe loop, the heartbeat.
 */
export async function start(env: Env, deps: AppDeps<WeightBudget>): Promise<UniverseJobHandle> {
  const logger = deps.logger;
  const shadow = openShadowJournal({ enabled: env.SHADOW, dir: env.SHADOW_DIR, app: 'universe-job', logger });
  const backend = new BackendClient({ baseUrl: env.VOLSPIKE_API_URL, apiKey: env.VOLSPIKE_API_KEY, shadow });
  const parts: Parts = { env, deps, logger, dir: join(deps.dataDir, 'universe-job'), shadow, backend };
  const outbox = backend.queue({
    name: 'universe-job',
    store: new FileOutboxStore(join(parts.dir, 'outbox'), 'universe-job'),
    logger: logger.child({ component: 'outbox' }),
    // Each message is a full universe: a long backend outage only needs the newest ones.
    maxItems: 100,
  });
  await outbox.start();
  const feed = tickerFeed(parts);
  const job = universeJob(parts, outbox, feed);
  const heartbeat = new HeartbeatSender({
    component: 'universe-job',
    post: (body, timeoutMs) => backend.send('heartbeat', { body, timeoutMs }),
    intervalMs: env.UNIVERSE_HEARTBEAT_SEC * 1000,
    report: () => job.heartbeat(),
    logger: logger.child({ component: 'heartbeat' }),
  });
  if (!env.VOLSPIKE_API_KEY)
    logger.warn('VOLSPIKE_API_KEY is not set: the backend will reject universe updates and heartbeats');
  feed?.start();
  job.start();
  heartbeat.start(Math.min(1_000, env.UNIVERSE_HEARTBEAT_SEC * 1000));
  logStarted(parts);

  let stopping: Promise<void> | null = null;
  return {
    outbox,
    refreshNow: () => job.refreshNow(),
    universe: () => job.universe(),
    status: () => job.status(),
    async health() {
      const s = job.status();
      return {
        ok: s.status !== 'degraded',
        body: { service: 'universe-job', ...s, outbox: outbox.stats(), tickerSymbols: feed?.size() ?? null },
      };
    },
    stop() {
      stopping ??= (async () => {
        await job.stop();
        await heartbeat.stop({ finalStatus: 'stopped' });
        await feed?.stop();
        await outbox.flush(2_000).catch(() => undefined);
        await outbox.stop();
        await shadow?.close();
      })();
      return stopping;
    },
  };
}

function tickerFeed({ env, logger }: Parts): TickerVolumeFeed | null {
  return env.UNIVERSE_USE_TICKER_WS
    ? new TickerVolumeFeed({
        wsUrl: env.BINANCE_WS_URL,
        warmupMs: env.UNIVERSE_WS_WARMUP_SEC * 1000,
        logger: logger.child({ component: 'ticker-ws' }),
      })
    : null;
}

function universeJob(parts: Parts, outbox: BackendQueue, feed: TickerVolumeFeed | null): UniverseJob {
  const { env, deps, logger } = parts;
  const rest = new BinanceRestClient({
    baseUrl: env.BINANCE_REST_URL,
    budget: deps.budget,
    component: 'universe-job',
    logger: logger.child({ component: 'binance-rest' }),
    timeoutMs: 30_000,
    // The refresh loop itself retries with backoff; one quick retry here is enough (ticker/24hr costs 40).
    maxRetries: 1,
  });
  const store = new UniverseStore({
    bus: deps.bus,
    stateFile: join(parts.dir, 'universe.json'),
    backend: parts.backend,
    logger: logger.child({ component: 'universe-store' }),
    thresholds: { enter: env.OI_LIQUID_ENTER_QUOTE_24H, exit: env.OI_LIQUID_EXIT_QUOTE_24H },
  });
  return new UniverseJob({
    symbols: new SymbolSource({ proxyUrl: env.BINANCE_PROXY_URL, rest, includeTradFi: env.INCLUDE_TRADIFI, logger }),
    volumes: new VolumeSource({ rest, feed, logger }),
    store,
    outbox,
    logger,
    metrics: universeMetrics(deps.metrics),
    enterThreshold: env.OI_LIQUID_ENTER_QUOTE_24H,
    exitThreshold: env.OI_LIQUID_EXIT_QUOTE_24H,
    maxSymbols: env.OI_LIQUID_MAX_SYMBOLS,
    refreshMs: env.OI_UNIVERSE_REFRESH_SEC * 1000,
    oiWeightPerMin: env.OI_WEIGHT_BUDGET_PER_MIN,
    estimateIntervalSec: (n, w) => estimatedPollIntervalSec(n, w),
  });
}

function logStarted({ env, logger }: Parts): void {
  logger.info(
    {
      refreshSec: env.OI_UNIVERSE_REFRESH_SEC,
      enter: env.OI_LIQUID_ENTER_QUOTE_24H,
      exit: env.OI_LIQUID_EXIT_QUOTE_24H,
      maxSymbols: env.OI_LIQUID_MAX_SYMBOLS ?? null,
      tickerWs: env.UNIVERSE_USE_TICKER_WS,
      proxy: env.BINANCE_PROXY_URL,
      shadow: env.SHADOW,
    },
    'universe-job started',
  );
}
