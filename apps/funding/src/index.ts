import type { WeightBudget } from '@volspike/binance-client';
import { HeartbeatSender, counter, gauge, type AppDeps as RuntimeAppDeps } from '@volspike/runtime';
import type { Env } from './env.js';
import { FundingApi, fundingHealth, type FundingHealth } from './funding-api.js';
import { FundingStore } from './funding-store.js';
import { FundingStream } from './funding-stream.js';
import { MarkPricePublisher } from './publisher.js';

export { EnvSchema, loadAppEnv, FUNDING_STREAMS, type Env } from './env.js';
export { FundingApi, fundingHealth, type FundingHealth } from './funding-api.js';
export { FundingStore, type AgeStats } from './funding-store.js';
export { FundingStream, type FundingStreamStats } from './funding-stream.js';
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
  health(): Promise<FundingHealth>;
  stop(): Promise<void>;
}

/** Starts the mark-price stream, the funding API, the bus publisher, gap detection and heartbeats. */
export async function start(
  env: Env,
  deps: AppDeps,
  options: { now?: () => number; fetchImpl?: typeof fetch } = {},
): Promise<FundingApp> {
  const now = options.now ?? Date.now;
  const logger = deps.logger.child({ app: 'funding' });
  const registry = deps.metrics;
  const startedAt = now();
  const store = new FundingStore();

  const m = {
    updates: counter(registry, {
      name: 'funding_mark_price_updates_total',
      help: 'mark-price items received',
    }),
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

  const stream = new FundingStream({
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

  const health = (): FundingHealth =>
    fundingHealth(store, stream.stats(), { staleSec: env.FUNDING_STALE_SEC, startedAt, now: now() });

  const ages = (stat: 'oldestSec' | 'medianSec' | 'p95Sec'): number | undefined => store.ages(now())?.[stat];
  gauge(registry, {
    name: 'funding_ws_connected',
    help: '1 when the mark-price stream is connected',
    collect() {
      this.set(stream.connected() ? 1 : 0);
    },
  });
  gauge(registry, {
    name: 'funding_symbols',
    help: 'symbols tracked',
    collect() {
      this.set(store.size());
    },
  });
  gauge(registry, {
    name: 'funding_ws_reconnects',
    help: 'reconnects of the mark-price stream since start',
    collect() {
      this.set(stream.stats().reconnects);
    },
  });
  gauge(registry, {
    name: 'funding_record_age_seconds',
    help: 'age of the records (oldest, p95, median)',
    labelNames: ['stat'],
    collect() {
      this.reset();
      for (const [label, key] of [
        ['oldest', 'oldestSec'],
        ['p95', 'p95Sec'],
        ['median', 'medianSec'],
      ] as const) {
        const v = ages(key);
        if (v !== undefined) this.set({ stat: label }, v);
      }
    },
  });

  // gap detection: a setTimeout chain, one summary log line per check (a reconnect gaps every symbol at once)
  const gapMs = env.FUNDING_GAP_ALERT_SEC * 1000;
  const gapLog = logger.child({ component: 'gaps' });
  let gapTimer: NodeJS.Timeout | null = null;
  let running = true;
  const checkGaps = (): void => {
    const g = store.checkGaps(now(), gapMs);
    m.gapped.set(g.current);
    if (g.started.length > 0) {
      m.gaps.inc(g.started.length);
      gapLog.warn(
        {
          count: g.started.length,
          symbols: g.started.slice(0, 20),
          inGap: g.current,
          gapSec: env.FUNDING_GAP_ALERT_SEC,
          connected: stream.connected(),
        },
        'mark-price gap: symbols without an update',
      );
    }
    if (g.ended.length > 0)
      gapLog.info({ count: g.ended.length, symbols: g.ended.slice(0, 20), inGap: g.current }, 'mark-price gap ended');
  };
  const scheduleGaps = (): void => {
    if (!running) return;
    gapTimer = setTimeout(
      () => {
        checkGaps();
        scheduleGaps();
      },
      Math.min(1000, gapMs / 2),
    );
    gapTimer.unref?.();
  };

  const publisher = new MarkPricePublisher({
    bus: deps.bus,
    store,
    logger: logger.child({ component: 'publisher' }),
    publishIntervalMs: env.FUNDING_PUBLISH_INTERVAL_MS,
    snapshotIntervalMs: env.FUNDING_SNAPSHOT_INTERVAL_MS,
    snapshotTtlSec: Math.max(60, Math.ceil(env.FUNDING_STALE_SEC * 2)),
    published: m.published,
    errors: m.busErrors,
    now,
  });

  const heartbeat = env.FUNDING_HEARTBEAT_ENABLED
    ? new HeartbeatSender({
        component: 'funding',
        apiUrl: env.VOLSPIKE_API_URL,
        apiKey: env.VOLSPIKE_API_KEY,
        intervalMs: env.FUNDING_HEARTBEAT_SEC * 1000,
        logger: logger.child({ component: 'heartbeat' }),
        ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
        report: () => {
          const h = health();
          const a = store.ages(now());
          const st = stream.stats();
          return {
            status: h.ok ? 'ok' : 'degraded',
            details: {
              symbols: store.size(),
              connected: st.connected,
              messagesPerMin: st.messagesPerMin,
              oldestAgeSec: a ? Math.round(a.oldestSec * 100) / 100 : null,
              medianAgeSec: a ? Math.round(a.medianSec * 100) / 100 : null,
            },
          };
        },
      })
    : null;

  const api = new FundingApi({
    store,
    staleSec: env.FUNDING_STALE_SEC,
    health,
    registry,
    logger: logger.child({ component: 'api' }),
    now,
  });
  const port = await api.listen(env.FUNDING_API_PORT, env.FUNDING_API_HOST);
  stream.start();
  publisher.start();
  scheduleGaps();
  heartbeat?.start(env.FUNDING_HEARTBEAT_SEC * 1000);
  logger.info(
    { port, host: env.FUNDING_API_HOST, stream: env.FUNDING_STREAM, ws: env.BINANCE_WS_URL },
    'funding started',
  );

  let stopping: Promise<void> | null = null;
  return {
    port,
    store,
    stream,
    health: () => Promise.resolve(health()),
    stop: () =>
      (stopping ??= (async () => {
        running = false;
        if (gapTimer) clearTimeout(gapTimer);
        await stream.stop();
        await publisher.stop();
        await api.close();
        await heartbeat?.stop({ finalStatus: 'stopped' });
        logger.info('funding stopped');
      })()),
  };
}
