import type { WeightBudget } from '@volspike/binance-client';
import type { AppDeps } from '@volspike/runtime';
import type { AlertDelivery } from './alert-delivery.js';
import {
  candleSources,
  deliveryQueues,
  heartbeatSender,
  logStarted,
  oiSnapshotJob,
  openShadow,
  restClient,
  subscribeStreams,
  volumeCycle,
  workDir,
} from './assemble.js';
import type { Parts } from './assemble.js';
import type { CandleProvider, KlineStream } from './candle-source.js';
import { CycleRunner } from './cycle-runner.js';
import type { CycleOutcome } from './cycle-runner.js';
import { CycleScheduler } from './cycle-scheduler.js';
import { backendTargets, EnvSchema, loadAppEnv } from './env.js';
import type { Env } from './env.js';
import { VolumeStateStore } from './state-store.js';

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
export type { CycleOutcome } from './cycle-runner.js';

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
  runCycle(cycleTime: number): Promise<CycleOutcome>;
  /** Waits (up to timeoutMs per queue) until every queued Telegram message and backend POST is delivered. */
  flush(timeoutMs: number): Promise<void>;
  pending(): number;
  candles: CandleProvider;
  delivery: AlertDelivery;
}

/**
 * Starts the volume-alert daemon, step by step: REST client and shadow journal, delivery queues (PROD, DEV,
 * Telegram), state, candles, the cycle and the OI snapshot, heartbeat, then the 5-minute schedule.
 */
export async function start(
  env: Env,
  deps: AppDeps<WeightBudget>,
  options: StartOptions = {},
): Promise<VolumeAlertsHandle> {
  const mode = options.mode ?? 'live';
  const parts: Parts = {
    env,
    deps,
    options,
    mode,
    now: options.now ?? Date.now,
    logger: deps.logger,
    dir: workDir(deps.dataDir, mode, options.replayDir),
    rest: restClient(env, deps),
    shadow: openShadow(env, deps.logger),
  };
  const { delivery, prod } = await deliveryQueues(parts);
  const state = new VolumeStateStore({
    path: mode === 'replay' ? null : (env.VOLUME_STATE_FILE ?? `${parts.dir}/state.json`),
    logger: parts.logger.child({ component: 'state' }),
  });
  const persisted = await state.load();
  const { live, candles, symbols } = candleSources(parts);
  const cycle = volumeCycle(parts, { candles, symbols, live, delivery, state, prod });
  const snapshot = await oiSnapshotJob(parts, delivery, prod);
  const runner = new CycleRunner({ cycle, snapshot, logger: parts.logger });
  const heartbeat = heartbeatSender(parts, prod, runner);
  runner.afterCycle = () => {
    if (mode === 'live') void heartbeat.sendNow();
  };
  const scheduler =
    mode === 'live' && options.schedule !== false
      ? new CycleScheduler({
          runCycle: async (t) => {
            await runner.run(t);
          },
          logger: parts.logger.child({ component: 'scheduler' }),
          now: parts.now,
          lastSlot: persisted.lastCycleAt,
        })
      : null;
  await subscribeStreams(parts, live, symbols);
  scheduler?.start();
  heartbeat.start();
  logStarted(parts, { prod, delivery, live, snapshot });

  let stopping: Promise<void> | null = null;
  return {
    candles,
    delivery,
    runCycle: (t) => runner.run(t),
    flush: (ms) => delivery.flush(ms),
    pending: () => delivery.pending(),
    health: async () => runner.health({ now: parts.now(), mode, scheduler, live, delivery }),
    stop() {
      stopping ??= (async () => {
        await scheduler?.stop();
        await heartbeat.stop(mode === 'live' ? { finalStatus: 'stopped' } : {});
        await live?.stop();
        await snapshot?.stop();
        await delivery.flush(2000);
        await delivery.stop();
        await parts.rest.close();
        await parts.shadow?.close();
      })();
      return stopping;
    },
  };
}
