import { BackendClient, openShadowJournal, type BackendQueue } from '@volspike/backend-client';
import { BinanceRestClient, type WeightBudget } from '@volspike/binance-client';
import { parseOiTimeframes, type OiTimeframe, type PollPlan } from '@volspike/oi-core';
import { FileOutboxStore, RedisOutboxStore, type AppDeps as RuntimeAppDeps, type OutboxStore } from '@volspike/runtime';
import { AlertEngine } from './alert-engine.js';
import type { Env } from './env.js';
import { HistoryStore } from './history-store.js';
import { MarkPriceCache } from './mark-price-cache.js';
import { createPollerMetrics, RateWindow, type OiPollerMetrics } from './metrics.js';
import { OiPollerError } from './errors.js';
import type { OiPoller, PolledSample } from './oi-poller.js';
import { OpenInterestSource } from './open-interest-source.js';
import { SamplePublisher } from './sample-publisher.js';
import { parseShard, shardLabel } from './shard.js';
import { Scheduling } from './scheduling.js';
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
export { ActivityPoller } from './activity-poller.js';
export { PollLedger, type PollStats, type SymbolPollView } from './poll-ledger.js';
export { Scheduling, guardFor } from './scheduling.js';
export { TradeFlow, type TradeFeed } from './trade-flow.js';
export type { PollerStatus } from './status-reporter.js';

export interface AppDeps extends RuntimeAppDeps<WeightBudget> {
  /** tests: HTTP to the backend */
  fetchImpl?: typeof fetch;
}

export interface OiPollerHandle {
  stop(): Promise<void>;
  health(): Promise<{ ok: boolean; body: Record<string, unknown> }>;
  status(): PollerStatus;
  /** the running fixed plan (null in activity mode, or until a universe is known) */
  plan(): PollPlan | null;
  /** the fixed-mode scheduler (null with OI_SCHEDULER=activity) */
  poller: OiPoller | null;
  scheduling: Scheduling;
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

/** What every part of the poller shares: config, metrics, outboxes, the Binance source, caches. */
interface Core {
  env: Env;
  deps: AppDeps;
  logger: AppDeps['logger'];
  label: string;
  timeframes: OiTimeframe[];
  backend: BackendClient;
  metrics: OiPollerMetrics;
  rates: { polls: RateWindow; errors: RateWindow; alerts: RateWindow };
  samplesOutbox: BackendQueue;
  alertsOutbox: BackendQueue;
  source: OpenInterestSource;
  marks: MarkPriceCache;
  history: HistoryStore;
}

function createCore(env: Env, deps: AppDeps): Core {
  const logger = deps.logger.child({ app: 'oi-poller' });
  const label = shardLabel(parseShard(env.OI_SHARD));
  if (!env.VOLSPIKE_API_KEY)
    logger.warn(
      'VOLSPIKE_API_KEY is not set: the backend will refuse samples, alerts and heartbeats (they wait in the outbox)',
    );
  const fetchOpt = deps.fetchImpl ? { fetchImpl: deps.fetchImpl } : {};
  const shadow = openShadowJournal({ enabled: env.SHADOW, dir: env.SHADOW_DIR, app: 'oi-poller', logger });
  const backend = new BackendClient({
    baseUrl: env.VOLSPIKE_API_URL,
    apiKey: env.VOLSPIKE_API_KEY,
    shadow,
    ...fetchOpt,
  });
  const store = (name: string): OutboxStore =>
    env.REDIS_URL
      ? new RedisOutboxStore(env.REDIS_URL, `volspike:outbox:oi-poller:${label}:${name}`)
      : new FileOutboxStore(deps.dataDir, `oi-poller-${label}-${name}`);
  const outboxOpts = { logger, maxItems: env.OI_OUTBOX_MAX_ITEMS, maxDelayMs: env.OI_OUTBOX_MAX_DELAY_MS, ...fetchOpt };
  const client = new BinanceRestClient({
    baseUrl: env.BINANCE_REST_URL,
    budget: deps.budget,
    component: 'oi-poller',
    logger,
    maxRetries: 1,
    timeoutMs: 5000,
  });
  return {
    env,
    deps,
    logger,
    label,
    timeframes: parseOiTimeframes(env.OI_ALERT_TIMEFRAMES),
    backend,
    metrics: createPollerMetrics(deps.metrics),
    rates: { polls: new RateWindow(), errors: new RateWindow(), alerts: new RateWindow() },
    samplesOutbox: backend.queue({ name: 'oi-samples', store: store('samples'), ...outboxOpts }),
    alertsOutbox: backend.queue({ name: 'oi-alerts', store: store('alerts'), ...outboxOpts }),
    source: new OpenInterestSource(client),
    marks: new MarkPriceCache({ bus: deps.bus, logger, maxAgeMs: env.OI_MARK_MAX_AGE_MS }),
    history: new HistoryStore(env.OI_HISTORY_MINUTES),
  };
}

function createAlerts(c: Core): AlertEngine {
  return new AlertEngine({
    bus: c.deps.bus,
    outbox: c.alertsOutbox,
    logger: c.logger,
    timeframes: c.timeframes,
    excludedSymbols: c.env.OI_ALERT_EXCLUDED_SYMBOLS,
    stateKey: `oi-poller:alert-state:${c.label}`,
    symbolCooldownSec: c.env.OI_ALERT_SYMBOL_COOLDOWN_MIN * 60,
    onAlert: (d) => {
      c.rates.alerts.add();
      c.metrics.alerts.inc({ timeframe: d.timeframe, direction: d.direction });
    },
  });
}

function createPublisher(c: Core): SamplePublisher {
  return new SamplePublisher({
    outbox: c.samplesOutbox,
    bus: c.deps.bus,
    logger: c.logger,
    intervalMs: c.env.OI_PUBLISH_INTERVAL_MS,
    onPublished: (n) => c.metrics.samplesPublished.inc(n),
  });
}

/** Where a polled sample goes: history, the publisher, the alert rules (evaluations awaited at stop). */
function createSampleSink(
  c: Core,
  alerts: AlertEngine,
  publisher: SamplePublisher,
  scheduling: () => Scheduling,
): { onSample: (s: PolledSample) => void; evaluations: Set<Promise<unknown>> } {
  const evaluations = new Set<Promise<unknown>>();
  const onSample = (s: PolledSample): void => {
    c.metrics.polls.inc({ result: 'ok' });
    c.rates.polls.add();
    const ctx = c.marks.get(s.symbol, s.ts);
    const sched = scheduling();
    const buf = c.history.ensure(s.symbol, sched.historyIntervalMs(s.symbol));
    const spacing = sched.historySpacingMs(s.symbol);
    if (spacing > 0) buf.pushThinned(s.ts, s.openInterest, ctx.markPrice, spacing);
    else buf.push(s.ts, s.openInterest, ctx.markPrice);
    publisher.add({
      symbol: s.symbol,
      openInterest: s.openInterest,
      openInterestUsd: ctx.markPrice !== null ? s.openInterest * ctx.markPrice : null,
      markPrice: ctx.markPrice,
      ts: s.ts,
    });
    const input = { symbol: s.symbol, oi: s.openInterest, markPrice: ctx.markPrice, ts: s.ts };
    const p = alerts
      .onSample({ ...input, fundingRate: ctx.fundingRate, history: buf })
      .catch((err: unknown) => c.logger.error({ err, symbol: s.symbol }, 'OI alert evaluation failed'))
      .finally(() => evaluations.delete(p));
    evaluations.add(p);
  };
  return { onSample, evaluations };
}

/** Universe + OI share → scheduler, history buffers, warm start; one log line when something changed. */
function createReplan(
  c: Core,
  scheduling: Scheduling,
  warm: WarmStarter,
  follower: () => UniverseFollower,
): { replan: (reason: string) => void; budgetPerMin: () => number; planned: () => number | null } {
  const budgetPerMin = (): number =>
    Math.min(c.deps.budget.availableFor('oi-poller'), c.env.OI_WEIGHT_BUDGET_PER_MIN ?? Number.POSITIVE_INFINITY);
  let planned: number | null = null;
  const replan = (reason: string): void => {
    const symbols = follower().symbols();
    const budget = budgetPerMin();
    planned = budget;
    const change = scheduling.apply(symbols, budget);
    for (const s of change.removed) c.history.delete(s);
    for (const s of symbols) c.history.ensure(s.symbol, scheduling.historyIntervalMs(s.symbol));
    if (change.added.length > 0 && c.env.OI_WARM_START) warm.enqueue(change.added);
    const plan = scheduling.plan();
    if (change.changed)
      c.logger.info(
        {
          reason,
          scheduler: scheduling.mode,
          universeSize: symbols.length,
          added: change.added.length,
          removed: change.removed.length,
          ...(plan ? { tiers: plan.tiers.map((t) => ({ intervalMs: t.intervalMs, symbols: t.symbols.length })) } : {}),
          ...(scheduling.mode === 'activity' ? { maxStalenessMs: c.env.OI_MAX_STALENESS_MS } : {}),
          weightPerMin: Math.round(scheduling.weightPerMin() ?? 0),
          budgetPerMin: budget,
          shard: c.label,
        },
        'OI poll plan',
      );
    c.metrics.universe.set(symbols.length);
    c.metrics.plannedWeightPerMin.set(scheduling.weightPerMin() ?? 0);
  };
  return { replan, budgetPerMin, planned: () => planned };
}

function createStatus(
  c: Core,
  scheduling: Scheduling,
  follower: UniverseFollower,
  warm: WarmStarter,
): () => PollerStatus {
  return () => {
    const plan = scheduling.plan();
    const universeSize = follower.symbols().length;
    const reasons: string[] = [];
    if (universeSize === 0) reasons.push(follower.status().lastError ?? 'universe empty or not yet known');
    if (universeSize > 0 && scheduling.weightPerMin() === null) reasons.push('no weight budget left for oi-poller');
    if (scheduling.paused()) reasons.push('weight budget paused (429/418)');
    const problem = scheduling.stalenessProblem();
    if (problem) reasons.push(problem);
    const pollsPerMin = c.rates.polls.perMinute();
    const errorsPerMin = c.rates.errors.perMinute();
    if (errorsPerMin > 0 && errorsPerMin >= pollsPerMin) reasons.push('most OI requests fail');
    // Samples and alerts wait in the durable outbox while the backend is down: nothing is lost, but the
    // product is not live, so say so once the backlog is older than a few publish periods.
    const backlogAgeMs = Math.max(c.samplesOutbox.stats().oldestAgeMs ?? 0, c.alertsOutbox.stats().oldestAgeMs ?? 0);
    if (backlogAgeMs > Math.max(5_000, 5 * c.env.OI_PUBLISH_INTERVAL_MS))
      reasons.push(`backend not accepting ingest (oldest queued batch ${Math.round(backlogAgeMs / 1000)} s old)`);
    const stats = scheduling.ledger.stats();
    return {
      status: reasons.length > 0 ? 'degraded' : 'ok',
      reasons,
      universeSize,
      pollIntervalMs: plan
        ? median([...plan.perSymbol.values()])
        : stats.meanIntervalSec !== null
          ? Math.round(stats.meanIntervalSec * 1000)
          : null,
      pollsPerMin,
      errorsPerMin,
      alertsPerMin: c.rates.alerts.perMinute(),
      maxSampleAgeMs: scheduling.maxSampleAgeMs(),
      outboxDepth: c.samplesOutbox.depth() + c.alertsOutbox.depth(),
      failingSymbols: scheduling.failingCount(),
      warmStartPending: warm.pendingCount(),
      historyBytes: c.history.bytes(),
      marksKnown: c.marks.size(),
      shard: c.label,
      scheduler: { ...stats, tradeStream: scheduling.tradeStream() },
    };
  };
}

function refreshMetrics(c: Core, scheduling: Scheduling): void {
  const m = c.metrics;
  const plan = scheduling.plan();
  const intervals = plan ? [...plan.perSymbol.values()] : [];
  m.plannedIntervalMs.set({ stat: 'min' }, intervals.length ? Math.min(...intervals) : 0);
  m.plannedIntervalMs.set({ stat: 'median' }, median(intervals) ?? 0);
  m.plannedIntervalMs.set({ stat: 'max' }, intervals.length ? Math.max(...intervals) : 0);
  const stats = scheduling.ledger.stats();
  if (stats.meanIntervalSec !== null) m.measured.set({ stat: 'mean' }, stats.meanIntervalSec);
  if (stats.maxStalenessSec !== null) m.measured.set({ stat: 'max_staleness' }, stats.maxStalenessSec);
  m.maxSampleAgeMs.set(scheduling.maxSampleAgeMs() ?? 0);
  m.outboxDepth.set({ outbox: 'samples' }, c.samplesOutbox.depth());
  m.outboxDepth.set({ outbox: 'alerts' }, c.alertsOutbox.depth());
  m.historyBytes.set(c.history.bytes());
}

/** Starts the OI poller: universe follower → scheduler (OI_SCHEDULER) → history/alerts → publisher, plus status. */
export async function start(env: Env, deps: AppDeps): Promise<OiPollerHandle> {
  const c = createCore(env, deps);
  const alerts = createAlerts(c);
  const publisher = createPublisher(c);
  let scheduling: Scheduling | null = null;
  const sink = createSampleSink(c, alerts, publisher, () => scheduling as Scheduling);
  const sched = new Scheduling({
    env,
    budget: deps.budget,
    logger: c.logger,
    source: c.source,
    metrics: c.metrics,
    onSample: sink.onSample,
    onError: (_symbol, _err, global) => {
      c.metrics.polls.inc({ result: global ? 'paused' : 'error' });
      if (!global) c.rates.errors.add();
    },
  });
  scheduling = sched;
  const warm = new WarmStarter({
    history: c.history,
    hist: c.source,
    neededSpanMs: Math.min(neededSpanMs(c.timeframes), env.OI_HISTORY_MINUTES * 60_000),
    histSpacingMs: env.OI_HIST_MIN_SPACING_MS,
    intervalFor: (symbol) => (c.history.get(symbol) ? sched.historyIntervalMs(symbol) : null),
    logger: c.logger,
    backend: c.backend,
  });
  const planning = createReplan(c, sched, warm, () => follower);
  const follower = new UniverseFollower({
    bus: deps.bus,
    shard: parseShard(env.OI_SHARD),
    logger: c.logger,
    refreshMs: env.OI_UNIVERSE_REFRESH_MS,
    onChange: (_symbols, src) => planning.replan(`universe (${src})`),
    backend: c.backend,
  });
  const status = createStatus(c, sched, follower, warm);
  const reporter = createReporter(c, sched, planning, status);
  const handle = createHandle(c, { sched, alerts, publisher, warm, follower, reporter, status, sink });
  await c.alertsOutbox.start();
  await c.samplesOutbox.start();
  await alerts.start();
  await c.marks.start();
  warm.start();
  sched.start();
  publisher.start();
  await follower.start();
  reporter.start();
  const problem = sched.stalenessProblem();
  if (problem) {
    await handle.stop();
    throw new OiPollerError('OI_STALENESS_IMPOSSIBLE', problem);
  }
  logStarted(c);
  return handle;
}

function createReporter(
  c: Core,
  sched: Scheduling,
  planning: ReturnType<typeof createReplan>,
  status: () => PollerStatus,
): StatusReporter {
  return new StatusReporter({
    bus: c.deps.bus,
    budget: c.deps.budget,
    logger: c.logger,
    heartbeatIntervalMs: c.env.OI_HEARTBEAT_INTERVAL_MS,
    budgetIntervalMs: c.env.OI_BUDGET_PUBLISH_INTERVAL_MS,
    status,
    schedule: () => ({ at: Date.now(), mode: sched.mode, shard: c.label, symbols: sched.ledger.symbols() }),
    onTick: () => {
      const planned = planning.planned();
      if (planned !== null && planning.budgetPerMin() !== planned)
        planning.replan('weight budget availability changed');
      refreshMetrics(c, sched);
    },
    backend: c.backend,
  });
}

function logStarted(c: Core): void {
  const env = c.env;
  c.logger.info(
    {
      shard: c.label,
      scheduler: env.OI_SCHEDULER,
      timeframes: c.timeframes.map((t) => t.label),
      historyMinutes: env.OI_HISTORY_MINUTES,
      ...(env.OI_SCHEDULER === 'activity'
        ? { maxStalenessMs: env.OI_MAX_STALENESS_MS, minGapMs: env.OI_ACTIVITY_MIN_GAP_MS }
        : { minIntervalMs: env.OI_POLL_MIN_INTERVAL_MS, maxIntervalMs: env.OI_POLL_MAX_INTERVAL_MS }),
    },
    'oi-poller started',
  );
}

interface Parts {
  sched: Scheduling;
  alerts: AlertEngine;
  publisher: SamplePublisher;
  warm: WarmStarter;
  follower: UniverseFollower;
  reporter: StatusReporter;
  status: () => PollerStatus;
  sink: { evaluations: Set<Promise<unknown>> };
}

function createHandle(c: Core, p: Parts): OiPollerHandle {
  let stopping: Promise<void> | null = null;
  return {
    poller: p.sched.fixed,
    scheduling: p.sched,
    history: c.history,
    alerts: p.alerts,
    plan: () => p.sched.plan(),
    status: p.status,
    async health() {
      const s = p.status();
      return { ok: s.status === 'ok', body: { ...s } };
    },
    stop() {
      stopping ??= (async () => {
        await p.follower.stop();
        await p.sched.stop();
        await p.warm.stop();
        await Promise.allSettled([...p.sink.evaluations]);
        await p.publisher.stop();
        await p.alerts.stop();
        await c.marks.stop();
        await p.reporter.stop();
        await Promise.all([c.samplesOutbox.flush(2000), c.alertsOutbox.flush(2000)]);
        await c.samplesOutbox.stop();
        await c.alertsOutbox.stop();
        c.logger.info('oi-poller stopped');
      })();
      return stopping;
    },
  };
}
