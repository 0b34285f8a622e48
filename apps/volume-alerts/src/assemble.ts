import { join } from 'node:path';
import { BackendClient, openShadowJournal } from '@volspike/backend-client';
import type { ShadowJournal } from '@volspike/backend-client';
import { BinanceRestClient } from '@volspike/binance-client';
import type { WeightBudget } from '@volspike/binance-client';
import { FileOutboxStore, HeartbeatSender, MemoryOutboxStore } from '@volspike/runtime';
import type { AppDeps, Logger } from '@volspike/runtime';
import { AlertDelivery } from './alert-delivery.js';
import type { DeliveryTarget } from './alert-delivery.js';
import { AsOfCandleSource, CandleSource } from './candle-source.js';
import type { CandleProvider } from './candle-source.js';
import type { CycleRunner } from './cycle-runner.js';
import { backendTargets } from './env.js';
import type { BackendTarget, Env } from './env.js';
import { FundingLookup } from './funding-lookup.js';
import type { StartOptions } from './index.js';
import { OiChangeLookup } from './oi-change-lookup.js';
import { OiSnapshotJob } from './oi-snapshot-job.js';
import type { VolumeStateStore } from './state-store.js';
import { ExchangeInfoSymbols } from './symbol-source.js';
import type { SymbolLister } from './symbol-source.js';
import { TelegramSender } from './telegram-sender.js';
import { VolumeCycle } from './volume-cycle.js';

/** What every assembly step of `start()` reads. */
export interface Parts {
  env: Env;
  deps: AppDeps<WeightBudget>;
  options: StartOptions;
  mode: 'live' | 'replay';
  now: () => number;
  logger: Logger;
  /** where this run keeps its queues and state */
  dir: string;
  rest: BinanceRestClient;
  shadow: ShadowJournal | null;
}

export function workDir(dataDir: string, mode: 'live' | 'replay', replayDir: string | undefined): string {
  return mode === 'replay' ? (replayDir ?? join(dataDir, 'volume-alerts-replay')) : join(dataDir, 'volume-alerts');
}

export function restClient(env: Env, deps: AppDeps<WeightBudget>): BinanceRestClient {
  return new BinanceRestClient({
    baseUrl: env.BINANCE_REST_URL,
    budget: deps.budget,
    component: 'volume-alerts',
    logger: deps.logger.child({ component: 'binance-rest' }),
  });
}

/** The SHADOW journal when SHADOW=true (logged once), else null. */
export function openShadow(env: Env, logger: Logger): ShadowJournal | null {
  return openShadowJournal({ enabled: env.SHADOW, dir: env.SHADOW_DIR, app: 'volume-alerts', logger });
}

function backendClient(parts: Parts, t: BackendTarget): BackendClient {
  return new BackendClient({
    baseUrl: t.url,
    apiKey: t.apiKey,
    shadow: parts.shadow,
    shadowTarget: t.name === 'prod' ? 'backend' : 'backend-dev',
  });
}

/** PROD and DEV clients with their durable queues, and the Telegram sender, behind one AlertDelivery. */
export async function deliveryQueues(parts: Parts): Promise<{ delivery: AlertDelivery; prod: BackendClient | null }> {
  const { options, logger } = parts;
  const backoff =
    options.outboxBaseDelayMs !== undefined
      ? { baseDelayMs: options.outboxBaseDelayMs, maxDelayMs: options.outboxBaseDelayMs * 8 }
      : {};
  let prod: BackendClient | null = null;
  const targets: DeliveryTarget[] = [];
  for (const t of backendTargets(parts.env)) {
    const client = backendClient(parts, t);
    if (t.name === 'prod') prod = client;
    const queue = client.queue({
      name: `volume-alerts-${t.name}`,
      store: options.memoryOutboxes ? new MemoryOutboxStore() : new FileOutboxStore(join(parts.dir, 'outbox'), t.name),
      logger: logger.child({ component: `outbox-${t.name}` }),
      timeoutMs: 10_000,
      ...backoff,
    });
    await queue.start();
    targets.push({ name: t.name, queue });
  }
  const telegram = telegramSender(parts, backoff);
  await telegram?.start();
  if (!prod)
    logger.warn(
      'VOLSPIKE_API_URL / VOLSPIKE_API_KEY not set: alerts go to the console and Telegram only, no OI snapshot',
    );
  if (!telegram) logger.warn('TELEGRAM_TOKEN / CHAT_ID not set: no Telegram messages');
  const delivery = new AlertDelivery({ targets, telegram, logger: logger.child({ component: 'delivery' }) });
  return { delivery, prod };
}

function telegramSender(parts: Parts, backoff: { baseDelayMs?: number; maxDelayMs?: number }): TelegramSender | null {
  const { env, options } = parts;
  if (!env.TELEGRAM_TOKEN || !env.CHAT_ID) return null;
  return new TelegramSender({
    apiUrl: env.TELEGRAM_API_URL,
    token: env.TELEGRAM_TOKEN,
    chatId: env.CHAT_ID,
    file: options.memoryOutboxes ? null : join(parts.dir, 'telegram-queue.json'),
    logger: parts.logger.child({ component: 'telegram' }),
    shadow: parts.shadow,
    ...backoff,
  });
}

/** Live: kline streams + REST; replay: REST klines as of each past cycle. */
export function candleSources(parts: Parts): {
  live: CandleSource | null;
  candles: CandleProvider;
  symbols: SymbolLister;
} {
  const { env, options, rest, logger } = parts;
  const live =
    parts.mode === 'live'
      ? new CandleSource({
          rest,
          backfillRest: rest.withComponent('volume-alerts:backfill'),
          wsUrl: env.VOLUME_USE_KLINE_WS ? env.BINANCE_WS_URL : null,
          logger: logger.child({ component: 'candles' }),
          now: parts.now,
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
  const symbols = new ExchangeInfoSymbols({ rest, logger: logger.child({ component: 'symbols' }) });
  return { live, candles, symbols };
}

/** Subscribes the streams and loads history now, so the first cycle can already use them. */
export async function subscribeStreams(parts: Parts, live: CandleSource | null, symbols: SymbolLister): Promise<void> {
  if (!live) return;
  try {
    live.setSymbols(await symbols.list());
  } catch (err) {
    parts.logger.warn({ err }, 'symbol list unavailable at start; the first cycle retries');
  }
}

export function volumeCycle(
  parts: Parts,
  p: {
    candles: CandleProvider;
    symbols: SymbolLister;
    live: CandleSource | null;
    delivery: AlertDelivery;
    state: VolumeStateStore;
    prod: BackendClient | null;
  },
): VolumeCycle {
  const { env, logger, rest, now } = parts;
  const live = p.live;
  return new VolumeCycle({
    symbols: p.symbols,
    candles: p.candles,
    funding: new FundingLookup({
      baseUrl: env.WS_FUNDING_ENABLED ? env.FUNDING_API_URL : null,
      logger: logger.child({ component: 'funding' }),
    }),
    oiChange: new OiChangeLookup({ prod: p.prod, rest, logger: logger.child({ component: 'oi-change' }), now }),
    delivery: p.delivery,
    state: p.state,
    logger: logger.child({ component: 'volume-cycle' }),
    now,
    waitForBoundary: parts.mode === 'live',
    ...(live ? { onSymbols: (s: string[]) => live.setSymbols(s) } : {}),
  });
}

/** The 5-minute OI snapshot (live mode, OI_SNAPSHOT_ENABLED and a PROD target), started. */
export async function oiSnapshotJob(
  parts: Parts,
  delivery: AlertDelivery,
  prod: BackendClient | null,
): Promise<OiSnapshotJob | null> {
  const { env } = parts;
  if (parts.mode !== 'live' || !env.OI_SNAPSHOT_ENABLED || !prod) return null;
  const job = new OiSnapshotJob({
    rest: parts.rest,
    bus: parts.deps.bus,
    delivery,
    logger: parts.logger.child({ component: 'oi-snapshot' }),
    now: parts.now,
    reuseRealtime: env.OI_SNAPSHOT_REUSE_REALTIME,
    reuseMaxAgeMs: env.OI_SNAPSHOT_REUSE_MAX_AGE_MS,
    markMaxAgeMs: env.OI_SNAPSHOT_MARK_MAX_AGE_MS,
  });
  await job.start();
  return job;
}

/** Heartbeats through the PROD client (live mode only; replay and no PROD target: none). */
export function heartbeatSender(parts: Parts, prod: BackendClient | null, runner: CycleRunner): HeartbeatSender {
  return new HeartbeatSender({
    component: 'volume-alerts',
    post: parts.mode === 'live' && prod ? (body, timeoutMs) => prod.send('heartbeat', { body, timeoutMs }) : null,
    intervalMs: parts.env.VOLUME_HEARTBEAT_SEC * 1000,
    logger: parts.logger.child({ component: 'heartbeat' }),
    report: () => runner.heartbeat(),
  });
}

export function logStarted(
  parts: Parts,
  p: { prod: BackendClient | null; delivery: AlertDelivery; live: CandleSource | null; snapshot: OiSnapshotJob | null },
): void {
  const { env } = parts;
  parts.logger.info(
    {
      mode: parts.mode,
      shadow: env.SHADOW,
      prod: Boolean(p.prod),
      dev: backendTargets(env).some((t) => t.name === 'dev'),
      telegram: Boolean(env.TELEGRAM_TOKEN && env.CHAT_ID),
      klineStreams: Boolean(p.live && env.VOLUME_USE_KLINE_WS),
      oiSnapshot: Boolean(p.snapshot),
    },
    'volume-alerts started',
  );
}
