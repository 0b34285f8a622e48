import { BackendClient, openShadowJournal } from '@volspike/backend-client';
import { BinanceRestClient, type WeightBudget } from '@volspike/binance-client';
import { parseOiTimeframes, planPollIntervals, type OiTimeframe, type PollPlan } from '@volspike/oi-core';
import { FileOutboxStore, RedisOutboxStore, type AppDeps as RuntimeAppDeps, type OutboxStore } from '@volspike/runtime';
import { AlertEngine } from './alert-engine.js';
import type { Env } from './env.js';
import { HistoryStore } from './history-store.js';
import { MarkPriceCache } from './mark-price-cache.js';
import { createPollerMetrics, RateWindow } from './metrics.js';
import { OiPoller } from './oi-poller.js';
import { OpenInterestSource } from './open-interest-source.js';
import { SamplePublisher } from './sample-publisher.js';
import { parseShard, shardLabel } from './shard.js';
import { StatusReporter, type PollerStatus } from './status-reporter.js';
import { UniverseFollower } from './universe-follower.js';
import { WarmStarter } from './warm-start.js';

export { EnvSchema, loadAppEnv, type Env } from './env.js';
export { AlertEngine, alertIdempotencyKey, oiAlertConsoleLine } from './alert-engine.js';
export { HistoryStore, mergeSamples } from './history-store.js';
export { MarkPriceCache } from './mark-price-cache.js';
export { OiPoller, type PolledSample } from './oi-poller.js';
export { OpenInterestSource, type OiSource } from './open-interest-source.js';
export { SamplePublisher, ingestBody } from './sample-publisher.js';
export { UniverseFollower, type UniverseSymbol } from './universe-follower.js';
export { WarmStarter } from './warm-start.js';
export { parseShard, inShard, symbolHash } from './shard.js';
export { OiPollerError } from './errors.js';
export type { PollerStatus } from './status-reporter.js';

export interface AppDeps extends RuntimeAppDeps<WeightBudget> {
  /** tests: HTTP to the backend */
  fetchImpl?: typeof fetch;
}

export interface OiPollerHandle {
  stop(): Promise<void>;
  health(): Promise<{ ok: boolean; body: Record<string, unknown> }>;
  status(): PollerStatus;
  /** the running plan (null until a universe is known) */
  plan(): PollPlan | null;
  poller: OiPoller;
  history: HistoryStore;
  alerts: AlertEngine;
}

/** History the alert rules need: the longest lookback / window start plus its tolerance. */
export function neededSpanMs(timeframes: readonly OiTimeframe[]): number {
  return Math.max(
    0,
    ...timeframes.map(
      (t) => (t.kind === 'window-median' ? (t.fromMin ?? 60) * 60 : t.lookbackSec) * 1000 + t.toleranceSec * 1000,
    ),
  );
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  return v[Math.floor((v.length - 1) / 2)] as number;
}

/** Starts the OI poller: universe follower → plan → scheduler → history/alerts → publisher, plus status. */
export async function start(env: Env, deps: AppDeps): Promise<OiPollerHandle> {
  const logger = deps.logger.child({ app: 'oi-poller' });
  const shard = parseShard(env.OI_SHARD);
  const label = shardLabel(shard);
  const timeframes = parseOiTimeframes(env.OI_ALERT_TIMEFRAMES);
  const shadow = openShadowJournal({ enabled: env.SHADOW, dir: env.SHADOW_DIR, app: 'oi-poller', logger });
  const backend = new BackendClient({
    baseUrl: env.VOLSPIKE_API_URL,
    apiKey: env.VOLSPIKE_API_KEY,
    shadow,
    ...(deps.fetchImpl ? { fetchImpl: deps.fetchImpl } : {}),
  });
  if (!env.VOLSPIKE_API_KEY)
    logger.warn(
      'VOLSPIKE_API_KEY is not set: the backend will refuse samples, alerts and heartbeats (they wait in the outbox)',
    );
  const metrics = createPollerMetrics(deps.metrics);
  const pollRate = new RateWindow();
  const errorRate = new RateWindow();
  const alertRate = new RateWindow();

  const store = (name: string): OutboxStore =>
    env.REDIS_URL
      ? new RedisOutboxStore(env.REDIS_URL, `volspike:outbox:oi-poller:${label}:${name}`)
      : new FileOutboxStore(deps.dataDir, `oi-poller-${label}-${name}`);
  const outboxOpts = {
    logger,
    maxItems: env.OI_OUTBOX_MAX_ITEMS,
    maxDelayMs: env.OI_OUTBOX_MAX_DELAY_MS,
    ...(deps.fetchImpl ? { fetchImpl: deps.fetchImpl } : {}),
  };
  const samplesOutbox = backend.queue({ name: 'oi-samples', store: store('samples'), ...outboxOpts });
  const alertsOutbox = backend.queue({ name: 'oi-alerts', store: store('alerts'), ...outboxOpts });

  const client = new BinanceRestClient({
    baseUrl: env.BINANCE_REST_URL,
    budget: deps.budget,
    component: 'oi-poller',
    logger,
    maxRetries: 1,
    timeoutMs: 5000,
  });
  const source = new OpenInterestSource(client);
  const marks = new MarkPriceCache({ bus: deps.bus, logger, maxAgeMs: env.OI_MARK_MAX_AGE_MS });
  const history = new HistoryStore(env.OI_HISTORY_MINUTES);
  const alerts = new AlertEngine({
    bus: deps.bus,
    outbox: alertsOutbox,
    logger,
    timeframes,
    excludedSymbols: env.OI_ALERT_EXCLUDED_SYMBOLS,
    stateKey: `oi-poller:alert-state:${label}`,
    symbolCooldownSec: env.OI_ALERT_SYMBOL_COOLDOWN_MIN * 60,
    onAlert: (d) => {
      alertRate.add();
      metrics.alerts.inc({ timeframe: d.timeframe, direction: d.direction });
    },
  });
  const publisher = new SamplePublisher({
    outbox: samplesOutbox,
    bus: deps.bus,
    logger,
    intervalMs: env.OI_PUBLISH_INTERVAL_MS,
    onPublished: (n) => metrics.samplesPublished.inc(n),
  });

  let plan: PollPlan | null = null;
  let plannedBudget: number | null = null;
  const evaluations = new Set<Promise<unknown>>();

  const poller = new OiPoller({
    source,
    budget: deps.budget,
    logger,
    maxInFlight: env.OI_MAX_IN_FLIGHT,
    maxBackoffMs: env.OI_SYMBOL_BACKOFF_MAX_MS,
    onError: (_symbol, _err, global) => {
      metrics.polls.inc({ result: global ? 'paused' : 'error' });
      if (!global) errorRate.add();
    },
    onSample: (s) => {
      metrics.polls.inc({ result: 'ok' });
      pollRate.add();
      const ctx = marks.get(s.symbol, s.ts);
      const interval = plan?.perSymbol.get(s.symbol) ?? env.OI_POLL_MAX_INTERVAL_MS;
      const buf = history.ensure(s.symbol, interval);
      buf.push(s.ts, s.openInterest, ctx.markPrice);
      publisher.add({
        symbol: s.symbol,
        openInterest: s.openInterest,
        openInterestUsd: ctx.markPrice !== null ? s.openInterest * ctx.markPrice : null,
        markPrice: ctx.markPrice,
        ts: s.ts,
      });
      const p = alerts
        .onSample({
          symbol: s.symbol,
          oi: s.openInterest,
          markPrice: ctx.markPrice,
          ts: s.ts,
          fundingRate: ctx.fundingRate,
          history: buf,
        })
        .catch((err: unknown) => logger.error({ err, symbol: s.symbol }, 'OI alert evaluation failed'))
        .finally(() => evaluations.delete(p));
      evaluations.add(p);
    },
  });

  const warm = new WarmStarter({
    history,
    hist: source,
    neededSpanMs: Math.min(neededSpanMs(timeframes), env.OI_HISTORY_MINUTES * 60_000),
    histSpacingMs: env.OI_HIST_MIN_SPACING_MS,
    intervalFor: (symbol) => plan?.perSymbol.get(symbol) ?? null,
    logger,
    backend,
  });

  const budgetPerMin = (): number =>
    Math.min(deps.budget.availableFor('oi-poller'), env.OI_WEIGHT_BUDGET_PER_MIN ?? Number.POSITIVE_INFINITY);

  const replan = (reason: string): void => {
    const symbols = follower.symbols();
    const budget = budgetPerMin();
    plannedBudget = budget;
    if (symbols.length === 0 || !(budget > 0)) {
      plan = null;
      poller.setPlan(new Map());
      return;
    }
    const prevTiers = plan ? JSON.stringify(plan.tiers.map((t) => [t.intervalMs, t.symbols.length])) : null;
    plan = planPollIntervals({
      symbols,
      budgetPerMin: budget,
      minIntervalMs: env.OI_POLL_MIN_INTERVAL_MS,
      maxIntervalMs: env.OI_POLL_MAX_INTERVAL_MS,
    });
    for (const [symbol, intervalMs] of plan.perSymbol) history.ensure(symbol, intervalMs);
    const { added, removed } = poller.setPlan(plan.perSymbol);
    for (const s of removed) history.delete(s);
    if (added.length > 0 && env.OI_WARM_START) warm.enqueue(added);
    const tiers = plan.tiers.map((t) => ({ intervalMs: t.intervalMs, symbols: t.symbols.length }));
    if (
      JSON.stringify(plan.tiers.map((t) => [t.intervalMs, t.symbols.length])) !== prevTiers ||
      added.length + removed.length > 0
    ) {
      logger.info(
        {
          reason,
          universeSize: symbols.length,
          added: added.length,
          removed: removed.length,
          tiers,
          weightPerMin: Math.round(plan.weightPerMin),
          budgetPerMin: budget,
          shard: label,
        },
        'OI poll plan',
      );
    }
    metrics.universe.set(symbols.length);
    metrics.plannedWeightPerMin.set(plan.weightPerMin);
  };

  const follower = new UniverseFollower({
    bus: deps.bus,
    shard,
    logger,
    refreshMs: env.OI_UNIVERSE_REFRESH_MS,
    onChange: (_symbols, src) => replan(`universe (${src})`),
    backend,
  });

  const status = (): PollerStatus => {
    const intervals = plan ? [...plan.perSymbol.values()] : [];
    const universeSize = follower.symbols().length;
    const reasons: string[] = [];
    if (universeSize === 0) reasons.push(follower.status().lastError ?? 'universe empty or not yet known');
    if (universeSize > 0 && plan === null) reasons.push('no weight budget left for oi-poller');
    if (poller.paused()) reasons.push('weight budget paused (429/418)');
    const pollsPerMin = pollRate.perMinute();
    const errorsPerMin = errorRate.perMinute();
    if (errorsPerMin > 0 && errorsPerMin >= pollsPerMin) reasons.push('most OI requests fail');
    // Samples and alerts wait in the durable outbox while the backend is down: nothing is lost, but the
    // product is not live, so say so once the backlog is older than a few publish periods.
    const backlogAgeMs = Math.max(samplesOutbox.stats().oldestAgeMs ?? 0, alertsOutbox.stats().oldestAgeMs ?? 0);
    if (backlogAgeMs > Math.max(5_000, 5 * env.OI_PUBLISH_INTERVAL_MS)) {
      reasons.push(`backend not accepting ingest (oldest queued batch ${Math.round(backlogAgeMs / 1000)} s old)`);
    }
    return {
      status: reasons.length > 0 ? 'degraded' : 'ok',
      reasons,
      universeSize,
      pollIntervalMs: median(intervals),
      pollsPerMin,
      errorsPerMin,
      alertsPerMin: alertRate.perMinute(),
      maxSampleAgeMs: poller.maxSampleAgeMs(),
      outboxDepth: samplesOutbox.depth() + alertsOutbox.depth(),
      failingSymbols: poller.failingCount(),
      warmStartPending: warm.pendingCount(),
      historyBytes: history.bytes(),
      marksKnown: marks.size(),
      shard: label,
    };
  };

  const reporter = new StatusReporter({
    bus: deps.bus,
    budget: deps.budget,
    logger,
    heartbeatIntervalMs: env.OI_HEARTBEAT_INTERVAL_MS,
    budgetIntervalMs: env.OI_BUDGET_PUBLISH_INTERVAL_MS,
    status,
    onTick: () => {
      if (plannedBudget !== null && budgetPerMin() !== plannedBudget) replan('weight budget availability changed');
      const intervals = plan ? [...plan.perSymbol.values()] : [];
      metrics.plannedIntervalMs.set({ stat: 'min' }, intervals.length ? Math.min(...intervals) : 0);
      metrics.plannedIntervalMs.set({ stat: 'median' }, median(intervals) ?? 0);
      metrics.plannedIntervalMs.set({ stat: 'max' }, intervals.length ? Math.max(...intervals) : 0);
      metrics.maxSampleAgeMs.set(poller.maxSampleAgeMs() ?? 0);
      metrics.outboxDepth.set({ outbox: 'samples' }, samplesOutbox.depth());
      metrics.outboxDepth.set({ outbox: 'alerts' }, alertsOutbox.depth());
      metrics.historyBytes.set(history.bytes());
    },
    backend,
  });

  await alertsOutbox.start();
  await samplesOutbox.start();
  await alerts.start();
  await marks.start();
  warm.start();
  poller.start();
  publisher.start();
  await follower.start();
  reporter.start();
  logger.info(
    {
      shard: label,
      timeframes: timeframes.map((t) => t.label),
      historyMinutes: env.OI_HISTORY_MINUTES,
      minIntervalMs: env.OI_POLL_MIN_INTERVAL_MS,
      maxIntervalMs: env.OI_POLL_MAX_INTERVAL_MS,
    },
    'oi-poller started',
  );

  let stopping: Promise<void> | null = null;
  return {
    poller,
    history,
    alerts,
    plan: () => plan,
    status,
    async health() {
      const s = status();
      return { ok: s.status === 'ok', body: { ...s } };
    },
    stop() {
      stopping ??= (async () => {
        await follower.stop();
        await poller.stop();
        await warm.stop();
        await Promise.allSettled([...evaluations]);
        await publisher.stop();
        await alerts.stop();
        await marks.stop();
        await reporter.stop();
        await Promise.all([samplesOutbox.flush(2000), alertsOutbox.flush(2000)]);
        await samplesOutbox.stop();
        await alertsOutbox.stop();
        logger.info('oi-poller stopped');
      })();
      return stopping;
    },
  };
}
