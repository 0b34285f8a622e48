import { BackendClient, openShadowJournal } from '@volspike/backend-client';
import type { WeightBudget } from '@volspike/binance-client';
import { HeartbeatSender, counter, gauge, type AppDeps as RuntimeAppDeps, type Logger } from '@volspike/runtime';
import type { Registry } from 'prom-client';
import type { Env } from './env.js';
import { FundingApi, fundingHealth, type FundingHealth } from './funding-api.js';
import { FundingStore } from './funding-store.js';
import { FundingStream } from './funding-stream.js';
import { GapWatch } from './gap-watch.js';
import { LegacyStateFile } from './legacy-state-file.js';
import { MarkPricePublisher } from './publisher.js';

export { EnvSchema, loadAppEnv, FUNDING_STREAMS, type Env } from './env.js';
export { FundingApi, fundingHealth, type FundingHealth } from './funding-api.js';
export { FundingStore, type AgeStats } from './funding-store.js';
export { FundingStream, type FundingStreamStats } from './funding-stream.js';
export { GapWatch } from './gap-watch.js';
export {
  LegacyStateFile,
  legacyStateDocument,
  type LegacyFundingRecord,
  type LegacyStateDocument,
} from './legacy-state-file.js';
export { MarkPricePublisher } from './publisher.js';

/** runtime's AppDeps, with `budget` unused (the funding daemon makes no REST calls) and `dataDir` optional. */
export type AppDeps = Omit<RuntimeAppDeps<WeightBudget>, 'budget' | 'dataDir'> & {
  budget?: WeightBudget;
  dataDir?: string;
};

export interface FundingApp {
  /** bound port of the funding API (FUNDING_API_PORT, or the OS's choice for 0) */
  port: number;
  store: FundingStore;
  stream: FundingStream;
  /** the legacy `.funding_state.json` writer, when FUNDING_LEGACY_STATE_FILE is set */
  legacyStateFile: LegacyStateFile | null;
  health(): Promise<FundingHealth>;
  stop(): Promise<void>;
}

interface Wiring {
  env: Env;
  logger: Logger;
  registry: Registry;
  store: FundingStore;
  now: () => number;
}

type Metrics = ReturnType<typeof createCounters>;

function createCounters(registry: Registry) {
  return {
    updates: counter(registry, { name: 'funding_mark_price_updates_total', help: 'mark-price items received' }),
    gaps: counter(registry, {
      name: 'funding_gaps_total',
      help: 'times a symbol went FUNDING_GAP_ALERT_SEC without an update',
    }),
    gapped: gauge(registry, {
      name: 'funding_symbols_in_gap',
      help: 'symbols currently without an update for FUNDING_GAP_ALERT_SEC',
    }),
    published: counter(registry, {
      name: 'funding_bus_writes_total',
      help: 'bus publications (changes) and snapshots',
      labelNames: ['kind'],
    }),
    busErrors: counter(registry, {
      name: 'funding_bus_errors_total',
      help: 'failed bus writes',
      labelNames: ['kind'],
    }),
  };
}

/** Gauges read at scrape time: connection, symbol count, reconnects, record ages. */
function registerGauges({ registry, store, now }: Wiring, stream: FundingStream): void {
  const live = (name: string, help: string, value: () => number): void => {
    gauge(registry, {
      name,
      help,
      collect() {
        this.set(value());
      },
    });
  };
  live('funding_ws_connected', '1 when the mark-price stream is connected', () => (stream.connected() ? 1 : 0));
  live('funding_symbols', 'symbols tracked', () => store.size());
  live('funding_ws_reconnects', 'reconnects of the mark-price stream since start', () => stream.stats().reconnects);
  gauge(registry, {
    name: 'funding_record_age_seconds',
    help: 'age of the records (oldest, p95, median)',
    labelNames: ['stat'],
    collect() {
      this.reset();
      const a = store.ages(now());
      if (!a) return;
      this.set({ stat: 'oldest' }, a.oldestSec);
      this.set({ stat: 'p95' }, a.p95Sec);
      this.set({ stat: 'median' }, a.medianSec);
    },
  });
}

function createStream({ env, logger, store, now }: Wiring, m: Metrics): FundingStream {
  return new FundingStream({
    baseUrl: env.BINANCE_WS_URL,
    stream: env.FUNDING_STREAM,
    store,
    logger: logger.child({ component: 'stream' }),
    silenceTimeoutMs: env.WS_SILENCE_TIMEOUT_MS,
    rotateAfterMs: env.WS_ROTATE_AFTER_MS,
    reconnectBaseMs: env.WS_RECONNECT_BASE_MS,
    reconnectMaxMs: env.WS_RECONNECT_MAX_MS,
    now,
    onBatch: (items) => m.updates.inc(items.length),
  });
}

function createPublisher({ env, logger, store, now }: Wiring, bus: AppDeps['bus'], m: Metrics): MarkPricePublisher {
  return new MarkPricePublisher({
    bus,
    store,
    logger: logger.child({ component: 'publisher' }),
    publishIntervalMs: env.FUNDING_PUBLISH_INTERVAL_MS,
    snapshotIntervalMs: env.FUNDING_SNAPSHOT_INTERVAL_MS,
    snapshotTtlSec: Math.max(60, Math.ceil(env.FUNDING_STALE_SEC * 2)),
    published: m.published,
    errors: m.busErrors,
    now,
  });
}

function createHeartbeat(
  { env, logger, store, now }: Wiring,
  stream: FundingStream,
  health: () => FundingHealth,
  fetchImpl: typeof fetch | undefined,
): HeartbeatSender | null {
  if (!env.FUNDING_HEARTBEAT_ENABLED) return null;
  const age = (sec: number | undefined): number | null => (sec === undefined ? null : Math.round(sec * 100) / 100);
  const shadow = openShadowJournal({ enabled: env.SHADOW, dir: env.SHADOW_DIR, app: 'funding', logger });
  const api = new BackendClient({
    baseUrl: env.VOLSPIKE_API_URL,
    apiKey: env.VOLSPIKE_API_KEY,
    shadow,
    ...(fetchImpl ? { fetchImpl } : {}),
  });
  return new HeartbeatSender({
    component: 'funding',
    post: (body, timeoutMs) => api.send('heartbeat', { body, timeoutMs }),
    intervalMs: env.FUNDING_HEARTBEAT_SEC * 1000,
    logger: logger.child({ component: 'heartbeat' }),
    report: () => {
      const a = store.ages(now());
      const st = stream.stats();
      return {
        status: health().ok ? 'ok' : 'degraded',
        details: {
          symbols: store.size(),
          connected: st.connected,
          messagesPerMin: st.messagesPerMin,
          oldestAgeSec: age(a?.oldestSec),
          medianAgeSec: age(a?.medianSec),
        },
      };
    },
  });
}

function createLegacyStateFile({ env, logger, store, now }: Wiring, stream: FundingStream): LegacyStateFile | null {
  const file = env.FUNDING_LEGACY_STATE_FILE;
  if (file === undefined) return null;
  if (env.SHADOW) {
    logger.warn({ file }, 'SHADOW mode: FUNDING_LEGACY_STATE_FILE is not written (the legacy daemon still owns it)');
    return null;
  }
  logger.info({ file }, 'writing the legacy funding state file for the legacy OI poller and health monitor');
  return new LegacyStateFile({
    file,
    store,
    stream: () => stream.stats(),
    logger: logger.child({ component: 'legacy-state-file' }),
    now,
  });
}

/** Starts the mark-price stream, the funding API, the bus publisher, gap detection, heartbeats and the legacy state file. */
export async function start(
  env: Env,
  deps: AppDeps,
  options: { now?: () => number; fetchImpl?: typeof fetch } = {},
): Promise<FundingApp> {
  const now = options.now ?? Date.now;
  const w: Wiring = {
    env,
    logger: deps.logger.child({ app: 'funding' }),
    registry: deps.metrics,
    store: new FundingStore(),
    now,
  };
  const startedAt = now();
  const m = createCounters(w.registry);
  const stream = createStream(w, m);
  const health = (): FundingHealth =>
    fundingHealth(w.store, stream.stats(), { staleSec: env.FUNDING_STALE_SEC, startedAt, now: now() });
  registerGauges(w, stream);
  const gaps = new GapWatch({
    store: w.store,
    gapSec: env.FUNDING_GAP_ALERT_SEC,
    logger: w.logger.child({ component: 'gaps' }),
    connected: () => stream.connected(),
    gaps: m.gaps,
    gapped: m.gapped,
    now,
  });
  const publisher = createPublisher(w, deps.bus, m);
  const heartbeat = createHeartbeat(w, stream, health, options.fetchImpl);
  const legacyStateFile = createLegacyStateFile(w, stream);
  const api = new FundingApi({
    store: w.store,
    staleSec: env.FUNDING_STALE_SEC,
    health,
    registry: w.registry,
    logger: w.logger.child({ component: 'api' }),
    now,
  });

  const port = await api.listen(env.FUNDING_API_PORT, env.FUNDING_API_HOST);
  stream.start();
  publisher.start();
  gaps.start();
  heartbeat?.start(env.FUNDING_HEARTBEAT_SEC * 1000);
  legacyStateFile?.start();
  w.logger.info(
    { port, host: env.FUNDING_API_HOST, stream: env.FUNDING_STREAM, ws: env.BINANCE_WS_URL },
    'funding started',
  );

  let stopping: Promise<void> | null = null;
  const stop = async (): Promise<void> => {
    gaps.stop();
    await stream.stop();
    await publisher.stop();
    await legacyStateFile?.stop();
    await api.close();
    await heartbeat?.stop({ finalStatus: 'stopped' });
    w.logger.info('funding stopped');
  };
  return {
    port,
    store: w.store,
    stream,
    legacyStateFile,
    health: () => Promise.resolve(health()),
    stop: () => (stopping ??= stop()),
  };
}
