import { join } from 'node:path';
import { BinanceRestClient } from '@volspike/binance-client';
import type { WeightBudget } from '@volspike/binance-client';
import { FileOutboxStore, HeartbeatSender, MemoryOutboxStore, Outbox } from '@volspike/runtime';
import type { AppDeps } from '@volspike/runtime';
import { AlertDelivery } from './alert-delivery.js';
import type { DeliveryTarget } from './alert-delivery.js';
import { AsOfCandleSource, CandleSource } from './candle-source.js';
import type { CandleProvider, KlineStream } from './candle-source.js';
import { CycleScheduler } from './cycle-scheduler.js';
import { backendTargets, EnvSchema, loadAppEnv } from './env.js';
import type { Env } from './env.js';
import { FundingLookup } from './funding-lookup.js';
import { OiChangeLookup } from './oi-change-lookup.js';
import { OiSnapshotJob } from './oi-snapshot-job.js';
import type { SnapshotResult } from './oi-snapshot-job.js';
import { VolumeStateStore } from './state-store.js';
import { ExchangeInfoSymbols } from './symbol-source.js';
import type { SymbolLister } from './symbol-source.js';
import { TelegramSender } from './telegram-sender.js';
import { VolumeCycle } from './volume-cycle.js';
import type { CycleResult } from './volume-cycle.js';

export { EnvSchema, loadAppEnv, backendTargets };
export type { Env };
export { AlertDelivery } from './alert-delivery.js';
export { AsOfCandleSource, CandleSource } from './candle-source.js';
export type { CandlePair, CandleProvider, KlineStream } from './candle-source.js';
export { CycleScheduler } from './cycle-scheduler.js';
export * from './cycle-rules.js';
export { FundingLookup } from './funding-lookup.js';
export { KlineStore } from './kline-store.js';
export { OiChangeLookup } from './oi-change-lookup.js';
export { OiSnapshotJob } from './oi-snapshot-job.js';
export type { SnapshotResult } from './oi-snapshot-job.js';
export { VolumeStateStore } from './state-store.js';
export { ExchangeInfoSymbols } from './symbol-source.js';
export { TelegramSender } from './telegram-sender.js';
export { VolumeCycle } from './volume-cycle.js';
export type { CycleResult } from './volume-cycle.js';

/** Test and CLI hooks; production passes none. */
export interface StartOptions {
  /** the clock (default Date.now) */
  now?: () => number;
  /** false: no timer chain; drive cycles with `runCycle` (tests, replay) */
  schedule?: boolean;
  /** replay: REST klines with endTime instead of the streams, no OI snapshot, memory state */
  mode?: 'live' | 'replay';
  /** replay: where its own outboxes and Telegram queue live (default `<dataDir>/volume-alerts-replay`) */
  replayDir?: string;
  streamFactory?: (streams: string[]) => KlineStream;
  outboxBaseDelayMs?: number;
  /** in-memory outboxes (tests) */
  memoryOutboxes?: boolean;
}

export interface VolumeAlertsHandle {
  stop(): Promise<void>;
  health(): Promise<{ ok: boolean; body: Record<string, unknown> }>;
  /** Runs one full cycle (volume scan, then the OI snapshot in live mode) for that boundary. */
  runCycle(cycleTime: number): Promise<{ volume: CycleResult; snapshot: SnapshotResult | null }>;
  /** Waits (up to timeoutMs per queue) until every queued Telegram message and backend POST is delivered. */
  flush(timeoutMs: number): Promise<void>;
  pending(): number;
  candles: CandleProvider;
  delivery: AlertDelivery;
}

/** Starts the volume-alert daemon: candles (streams + REST), the 5-minute cycle, delivery queues, heartbeat. */
export async function start(
  env: Env,
  deps: AppDeps<WeightBudget>,
  options: StartOptions = {},
): Promise<VolumeAlertsHandle> {
  const mode = options.mode ?? 'live';
  const now = options.now ?? Date.now;
  const logger = deps.logger;
  const dir =
    mode === 'replay'
      ? (options.replayDir ?? join(deps.dataDir, 'volume-alerts-replay'))
      : join(deps.dataDir, 'volume-alerts');
  const rest = new BinanceRestClient({
    baseUrl: env.BINANCE_REST_URL,
    budget: deps.budget,
    component: 'volume-alerts',
    logger: logger.child({ component: 'binance-rest' }),
  });
  const targets = backendTargets(env);
  const prod = targets.find((t) => t.name === 'prod') ?? null;

  const outboxes: DeliveryTarget[] = [];
  for (const t of targets) {
    const outbox = new Outbox({
      name: `volume-alerts-${t.name}`,
      store: options.memoryOutboxes ? new MemoryOutboxStore() : new FileOutboxStore(join(dir, 'outbox'), t.name),
      logger: logger.child({ component: `outbox-${t.name}` }),
      timeoutMs: 10_000,
      ...(options.outboxBaseDelayMs !== undefined
        ? { baseDelayMs: options.outboxBaseDelayMs, maxDelayMs: options.outboxBaseDelayMs * 8 }
        : {}),
    });
    await outbox.start();
    outboxes.push({ ...t, outbox });
  }
  const telegram =
    env.TELEGRAM_TOKEN && env.CHAT_ID
      ? new TelegramSender({
          apiUrl: env.TELEGRAM_API_URL,
          token: env.TELEGRAM_TOKEN,
          chatId: env.CHAT_ID,
          file: options.memoryOutboxes ? null : join(dir, 'telegram-queue.json'),
          logger: logger.child({ component: 'telegram' }),
          ...(options.outboxBaseDelayMs !== undefined
            ? { baseDelayMs: options.outboxBaseDelayMs, maxDelayMs: options.outboxBaseDelayMs * 8 }
            : {}),
        })
      : null;
  await telegram?.start();
  if (!prod)
    logger.warn(
      'VOLSPIKE_API_URL / VOLSPIKE_API_KEY not set: alerts go to the console and Telegram only, no OI snapshot',
    );
  if (!telegram) logger.warn('TELEGRAM_TOKEN / CHAT_ID not set: no Telegram messages');
  const delivery = new AlertDelivery({ targets: outboxes, telegram, logger: logger.child({ component: 'delivery' }) });

  const state = new VolumeStateStore({
    path: mode === 'replay' ? null : (env.VOLUME_STATE_FILE ?? join(dir, 'state.json')),
    logger: logger.child({ component: 'state' }),
  });
  const persisted = await state.load();

  const live =
    mode === 'live'
      ? new CandleSource({
          rest,
          backfillRest: rest.withComponent('volume-alerts:backfill'),
          wsUrl: env.VOLUME_USE_KLINE_WS ? env.BINANCE_WS_URL : null,
          logger: logger.child({ component: 'candles' }),
          now,
          restConcurrency: env.VOLUME_REST_CONCURRENCY,
          closeGraceMs: env.VOLUME_CLOSE_GRACE_MS,
          ...(options.streamFactory ? { streamFactory: options.streamFactory } : {}),
        })
      : null;
  const candles: CandleProvider =
    live ??
    new AsOfCandleSource({
      rest,
      logger: logger.child({ component: 'candles' }),
      concurrency: env.VOLUME_REST_CONCURRENCY,
    });
  const symbols: SymbolLister = new ExchangeInfoSymbols({ rest, logger: logger.child({ component: 'symbols' }) });
  const cycle = new VolumeCycle({
    symbols,
    candles,
    funding: new FundingLookup({
      baseUrl: env.WS_FUNDING_ENABLED ? env.FUNDING_API_URL : null,
      logger: logger.child({ component: 'funding' }),
    }),
    oiChange: new OiChangeLookup({ prod, rest, logger: logger.child({ component: 'oi-change' }), now }),
    delivery,
    state,
    logger: logger.child({ component: 'volume-cycle' }),
    now,
    waitForBoundary: mode === 'live',
    ...(live ? { onSymbols: (s: string[]) => live.setSymbols(s) } : {}),
  });
  const snapshot =
    mode === 'live' && env.OI_SNAPSHOT_ENABLED && prod
      ? new OiSnapshotJob({
          rest,
          bus: deps.bus,
          delivery,
          logger: logger.child({ component: 'oi-snapshot' }),
          now,
          reuseRealtime: env.OI_SNAPSHOT_REUSE_REALTIME,
          reuseMaxAgeMs: env.OI_SNAPSHOT_REUSE_MAX_AGE_MS,
          markMaxAgeMs: env.OI_SNAPSHOT_MARK_MAX_AGE_MS,
        })
      : null;
  await snapshot?.start();

  let last: { volume: CycleResult; snapshot: SnapshotResult | null } | null = null;
  let lastError: string | null = null;
  const heartbeat = new HeartbeatSender({
    component: 'volume-alerts',
    // replay and no PROD target: no heartbeats
    apiUrl: mode === 'live' ? prod?.url : null,
    apiKey: prod?.apiKey,
    intervalMs: env.VOLUME_HEARTBEAT_SEC * 1000,
    logger: logger.child({ component: 'heartbeat' }),
    report: () => ({
      status: lastError ? 'degraded' : 'ok',
      details: last
        ? {
            lastCycleAt: new Date(last.volume.cycleTime).toISOString(),
            symbols: last.volume.symbols.length,
            alerts: last.volume.alerts.length,
            durationMs: last.volume.durationMs,
            source: last.volume.source,
            ...(lastError ? { error: lastError } : {}),
          }
        : { lastCycleAt: null, ...(lastError ? { error: lastError } : {}) },
    }),
  });

  const runCycle = async (cycleTime: number): Promise<{ volume: CycleResult; snapshot: SnapshotResult | null }> => {
    try {
      const volume = await cycle.run(cycleTime);
      let snap: SnapshotResult | null = null;
      if (snapshot) {
        try {
          snap = await snapshot.run(volume.symbols, cycleTime);
        } catch (err) {
          logger.error({ err }, 'OI snapshot failed');
        }
      }
      last = { volume, snapshot: snap };
      lastError = null;
      return last;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      if (mode === 'live') void heartbeat.sendNow();
    }
  };

  const scheduler =
    mode === 'live' && options.schedule !== false
      ? new CycleScheduler({
          runCycle: async (t) => {
            await runCycle(t);
          },
          logger: logger.child({ component: 'scheduler' }),
          now,
          lastSlot: persisted.lastCycleAt,
        })
      : null;
  if (live) {
    // subscribe the streams and load history now, so the first cycle can already use them
    try {
      live.setSymbols(await symbols.list());
    } catch (err) {
      logger.warn({ err }, 'symbol list unavailable at start; the first cycle retries');
    }
  }
  scheduler?.start();
  heartbeat.start();
  logger.info(
    {
      mode,
      prod: Boolean(prod),
      dev: targets.some((t) => t.name === 'dev'),
      telegram: Boolean(telegram),
      klineStreams: Boolean(live && env.VOLUME_USE_KLINE_WS),
      oiSnapshot: Boolean(snapshot),
    },
    'volume-alerts started',
  );

  let stopping: Promise<void> | null = null;
  return {
    candles,
    delivery,
    runCycle,
    flush: (ms) => delivery.flush(ms),
    pending: () => delivery.pending(),
    async health() {
      const age = last ? now() - last.volume.cycleTime : null;
      const ok = lastError === null && (age === null || age < 11 * 60_000);
      return {
        ok,
        body: {
          service: 'volume-alerts',
          mode,
          lastCycleAt: last ? new Date(last.volume.cycleTime).toISOString() : null,
          lastCycle: last
            ? {
                symbols: last.volume.symbols.length,
                alerts: last.volume.alerts.length,
                skipped: last.volume.skipped,
                fromStream: last.volume.fromStream,
                fromRest: last.volume.fromRest,
                durationMs: last.volume.durationMs,
              }
            : null,
          lastSnapshot: last?.snapshot ?? null,
          lastError,
          nextCycleAt: scheduler?.nextSlot ? new Date(scheduler.nextSlot).toISOString() : null,
          candles: live?.stats() ?? null,
          delivery: delivery.stats(),
        },
      };
    },
    stop() {
      stopping ??= (async () => {
        await scheduler?.stop();
        await heartbeat.stop(mode === 'live' ? { finalStatus: 'stopped' } : {});
        await live?.stop();
        await snapshot?.stop();
        await delivery.flush(2000);
        await telegram?.stop();
        for (const t of outboxes) await t.outbox.stop();
        await rest.close();
      })();
      return stopping;
    },
  };
}
